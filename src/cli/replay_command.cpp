// `tokenflow replay`: moves a consumer group to another position, everywhere that group
// really keeps it. Kafka's committed offsets alone are not where tokenflow's roles resume:
// the sink resumes from the positions stored in its database, the statistics service from
// its checkpoints. So replay moves the database's positions (one transaction) and the
// statistics checkpoints (set aside, the state rebuilt from the new position) together with
// Kafka's. A dry run by default: the table of what would move.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <map>
#include <optional>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/postgres_flags.hpp"
#include "cli/redis_flags.hpp"
#include "core/duration.hpp"
#include "core/timestamp.hpp"
#include "kafka/admin.hpp"
#include "kafka/message_sampler.hpp"
#include "ops/block_search.hpp"
#include "ops/replay_plan.hpp"
#include "sinks/postgres_store.hpp"
#include "sinks/redis_store.hpp"
#include "stream/checkpoint_store.hpp"

namespace tokenflow::cli {
namespace {

struct ReplayFlags {
  KafkaFlags kafka;
  std::string group;
  std::vector<std::string> topics;  // T or T:p,p
  bool to_earliest = false;
  bool to_latest = false;
  std::optional<std::int64_t> to_offset;
  std::string to_datetime;
  std::string by_duration;
  std::optional<std::int64_t> shift_by;
  std::optional<std::int64_t> to_block;
  bool execute = false;
  sinks::PostgresStoreOptions postgres;
  RedisFlags redis;  // the Redis sink's positions (--redis-url)
  std::string state_dir;
  int timeout_seconds = 10;
};

struct TopicSpec {
  std::string topic;
  std::vector<std::int32_t> partitions;  // empty: all
};

bool parse_topic_spec(const std::string& text, TopicSpec& out) {
  const auto colon = text.find(':');
  out.topic = text.substr(0, colon);
  if (out.topic.empty()) return false;
  if (colon == std::string::npos) return true;
  std::string_view rest(text);
  rest.remove_prefix(colon + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto item = rest.substr(0, comma);
    std::int32_t p = -1;
    const auto parsed = std::from_chars(item.data(), item.data() + item.size(), p);
    if (parsed.ec != std::errc{} || parsed.ptr != item.data() + item.size() || p < 0) return false;
    out.partitions.push_back(p);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return !out.partitions.empty();
}

// The one target asked for; false (logged) when there is not exactly one, or it is bad.
bool target_of(const ReplayFlags& flags, ops::ReplayTarget& target) {
  int given = 0;
  if (flags.to_earliest) ++given, target = {ops::ReplayTo::earliest, 0};
  if (flags.to_latest) ++given, target = {ops::ReplayTo::latest, 0};
  if (flags.to_offset) ++given, target = {ops::ReplayTo::offset, *flags.to_offset};
  if (flags.shift_by) ++given, target = {ops::ReplayTo::shift, *flags.shift_by};
  if (flags.to_block) ++given, target = {ops::ReplayTo::block, *flags.to_block};
  if (!flags.to_datetime.empty()) {
    ++given;
    auto at = core::parse_iso8601(flags.to_datetime);
    if (!at.ok()) {
      spdlog::error("--to-datetime: {}", at.error().message);
      return false;
    }
    target = {ops::ReplayTo::time, at->value};
  }
  if (!flags.by_duration.empty()) {
    ++given;
    auto back = core::parse_duration(flags.by_duration);
    if (!back.ok()) {
      spdlog::error("--by-duration: {}", back.error().message);
      return false;
    }
    target = {ops::ReplayTo::time, core::now_millis().value - back->count()};
  }
  if (given != 1) {
    spdlog::error(
        "say where to move the group with exactly one of --to-earliest, --to-latest, "
        "--to-offset N, --to-datetime ISO-8601, --by-duration 1h, --shift-by ±N, --to-block N");
    return false;
  }
  return true;
}

// The partitions to move, with their logs and the group's committed offsets.
core::Result<std::vector<ops::PartitionMove>> partitions_of(kafka::Admin& admin,
                                                           const ReplayFlags& flags) {
  auto committed = admin.committed_offsets(flags.group);
  if (!committed.ok()) return std::move(committed).error();
  std::vector<TopicSpec> specs;
  for (const auto& text : flags.topics) {
    TopicSpec spec;
    parse_topic_spec(text, spec);  // checked by the flag's validator
    specs.push_back(std::move(spec));
  }
  if (specs.empty()) {
    for (const auto& position : *committed) {
      if (specs.empty() || specs.back().topic != position.topic) specs.push_back({position.topic, {}});
    }
    if (specs.empty()) {
      return core::Error{std::make_error_code(std::errc::invalid_argument),
                         "group " + flags.group +
                             " has no committed offsets in Kafka: name its topics with --topic"};
    }
  }
  kafka::TopicPartitions asked;
  for (auto& spec : specs) {
    auto count = admin.partition_count(spec.topic);
    if (!count.ok()) return std::move(count).error();
    if (spec.partitions.empty()) {
      for (int p = 0; p < *count; ++p) spec.partitions.push_back(p);
    }
    for (const auto p : spec.partitions) {
      if (p >= *count) {
        return core::Error{std::make_error_code(std::errc::invalid_argument),
                           spec.topic + " has " + std::to_string(*count) + " partitions: there is no partition " +
                               std::to_string(p)};
      }
      asked.push_back({spec.topic, core::Partition{p}});
    }
  }
  auto marks = admin.watermarks(asked);
  if (!marks.ok()) return std::move(marks).error();
  std::vector<ops::PartitionMove> moves;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    ops::PartitionMove move;
    move.topic = asked[i].topic;
    move.partition = asked[i].partition.value;
    move.log_start = (*marks)[i].low.value;
    move.log_end = (*marks)[i].high.value;
    for (const auto& c : *committed) {
      if (c.topic == move.topic && c.partition == asked[i].partition) move.committed = c.next_offset.value;
    }
    moves.push_back(std::move(move));
  }
  return moves;
}

// The sink's positions of these partitions in its database (PostgreSQL or Redis).
template <class Store>
core::Result<void> load_stored(Store& store, std::vector<ops::PartitionMove>& moves) {
  std::map<std::string, std::vector<core::Partition>> by_topic;
  for (const auto& m : moves) by_topic[m.topic].push_back(core::Partition{m.partition});
  for (const auto& [topic, partitions] : by_topic) {
    auto stored = store.load_positions(topic, partitions);
    if (!stored.ok()) return std::move(stored).error();
    for (const auto& s : *stored) {
      for (auto& m : moves) {
        if (m.topic == s.topic && m.partition == s.partition.value) m.stored = s.next_offset.value;
      }
    }
  }
  return core::success();
}

// The first offset of `m`'s partition whose key (the message's block, or its timestamp)
// is at least `wanted`, by a binary search that reads one message per step.
core::Result<ops::BlockSearchResult> search_partition(
    const ops::PartitionMove& m, std::int64_t wanted, bool by_time, kafka::MessageSampler& sampler,
    std::chrono::milliseconds timeout) {
  return ops::find_first_of_block(
      m.log_start, m.log_end, wanted, [&](std::int64_t offset) -> core::Result<ops::BlockProbe> {
        auto read =
            sampler.read({{m.topic, core::Partition{m.partition}, core::Offset{offset}}}, timeout);
        if (read.empty()) {
          return core::Error{std::make_error_code(std::errc::timed_out),
                             "no message at or after offset " + std::to_string(offset) + " of " +
                                 m.topic + "[" + std::to_string(m.partition) + "] within " +
                                 std::to_string(timeout.count()) + " ms"};
        }
        const auto& message = read.begin()->second;
        if (by_time) {
          return ops::BlockProbe{message.offset,
                                 message.timestamp_ms >= 0
                                     ? std::optional<std::int64_t>(message.timestamp_ms)
                                     : std::nullopt};
        }
        return ops::BlockProbe{message.offset, ops::block_of(message.payload)};
      });
}

// Where the target puts each partition (before clamping).
core::Result<void> resolve(const ops::ReplayTarget& target, bool embedded, kafka::Admin& admin,
                           kafka::MessageSampler& sampler, std::chrono::milliseconds timeout,
                           std::vector<ops::PartitionMove>& moves) {
  // The embedded cluster answers ListOffsets by time with nothing: search the messages.
  if (target.to == ops::ReplayTo::time && !embedded) {
    kafka::TopicPartitions asked;
    for (const auto& m : moves) asked.push_back({m.topic, core::Partition{m.partition}});
    auto offsets = admin.offsets_for_time(asked, target.value);
    if (!offsets.ok()) return std::move(offsets).error();
    for (std::size_t i = 0; i < moves.size(); ++i) moves[i].wanted = (*offsets)[i].value;
    return core::success();
  }
  for (auto& m : moves) {
    switch (target.to) {
      case ops::ReplayTo::earliest: m.wanted = m.log_start; break;
      case ops::ReplayTo::latest: m.wanted = m.log_end; break;
      case ops::ReplayTo::offset: m.wanted = target.value; break;
      case ops::ReplayTo::shift: m.wanted = m.current_or_start() + target.value; break;
      case ops::ReplayTo::block:
      case ops::ReplayTo::time: {
        auto found = search_partition(m, target.value, target.to == ops::ReplayTo::time, sampler,
                                      timeout);
        if (!found.ok()) return std::move(found).error();
        m.wanted = found->offset;
        m.fetches = found->fetches;
        break;
      }
    }
  }
  return core::success();
}

// The timestamps and blocks of the messages at the current and the new positions.
void describe_rewind(kafka::MessageSampler& sampler, std::vector<ops::PartitionMove>& moves) {
  core::Positions current;
  core::Positions next;
  for (const auto& m : moves) {
    if (m.current_or_start() < m.log_end) {
      current.push_back({m.topic, core::Partition{m.partition}, core::Offset{m.current_or_start()}});
    }
    if (m.next < m.log_end) next.push_back({m.topic, core::Partition{m.partition}, core::Offset{m.next}});
  }
  const auto at_current = sampler.read(current, std::chrono::seconds(3));
  const auto at_next = sampler.read(next, std::chrono::seconds(3));
  const auto now = core::now_millis().value;
  for (auto& m : moves) {
    const kafka::MessageSampler::Key key{m.topic, m.partition};
    // A position at the log's end is "now": nothing unread.
    if (auto it = at_current.find(key); it != at_current.end()) {
      if (it->second.timestamp_ms >= 0) m.current_time_ms = it->second.timestamp_ms;
      m.current_block = ops::block_of(it->second.payload);
    } else if (m.current_or_start() >= m.log_end) {
      m.current_time_ms = now;
    }
    if (auto it = at_next.find(key); it != at_next.end()) {
      if (it->second.timestamp_ms >= 0) m.next_time_ms = it->second.timestamp_ms;
      m.next_block = ops::block_of(it->second.payload);
    } else if (m.next >= m.log_end) {
      m.next_time_ms = now;
    }
  }
}

std::string describe_members(const kafka::GroupDescription& group) {
  std::string out;
  for (const auto& m : group.members) {
    out += (out.empty() ? "" : ", ") + m.client_id + " (" + m.member_id + " on " + m.host + ")";
  }
  return out;
}

int run_replay(ReplayFlags& flags) {
  ops::ReplayTarget target;
  if (!target_of(flags, target)) return kExitUsage;
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  const std::chrono::milliseconds timeout = std::chrono::seconds(flags.timeout_seconds);
  auto admin = kafka::Admin::create(*config, timeout);
  if (!admin.ok()) {
    spdlog::error("replay: {}", admin.error().message);
    return kExitFailure;
  }

  // Moving the offsets of a group that is reading would race its next commit.
  auto embedded = (*admin)->is_embedded_cluster();
  if (!embedded.ok()) {
    spdlog::error("replay: {}", embedded.error().message);
    return kExitFailure;
  }
  auto described = *embedded ? core::Result<kafka::GroupDescription>(core::Error{
                                   std::make_error_code(std::errc::not_supported),
                                   "the embedded cluster does not answer DescribeGroups"})
                             : (*admin)->describe_group(flags.group);
  if (described.ok() && !described->members.empty()) {
    const std::string who = describe_members(*described);
    if (flags.execute) {
      spdlog::error("replay: group {} has {} active member(s): {}. Stop them first: an active "
                    "member would commit over the new positions",
                    flags.group, described->members.size(), who);
      return kExitFailure;
    }
    spdlog::warn("replay: group {} has active members ({}): --execute would be refused",
                 flags.group, who);
  } else if (!described.ok()) {
    spdlog::warn("replay: cannot tell whether group {} has active members ({}); stop every "
                 "member before --execute",
                 flags.group, described.error().message);
  }

  auto moves = partitions_of(**admin, flags);
  if (!moves.ok()) {
    spdlog::error("replay: {}", moves.error().message);
    return kExitFailure;
  }
  std::optional<sinks::PostgresStore> store;
  if (!flags.postgres.url.empty()) {
    if (!validate_postgres_flags(flags.postgres)) return kExitUsage;
    auto options = flags.postgres;
    options.read_only_positions = true;  // the dry run changes nothing, not even stale rows
    options.application_name = "tokenflow-replay";
    store.emplace(options);
    if (auto connected = store->connect(); !connected.ok()) {
      spdlog::error("replay: {}", connected.error().message);
      return kExitFailure;
    }
    // Where Kafka cannot say who reads (the embedded cluster answers no DescribeGroups), the
    // database can: a running sink of this group holds sessions named after it.
    auto sessions = store->sessions_named(sinks::sink_application_name(flags.group));
    if (!sessions.ok()) {
      spdlog::warn("replay: cannot list the database's sessions ({}); stop every sink of group "
                   "{} before --execute",
                   sessions.error().message, flags.group);
    } else if (!sessions->empty()) {
      std::string who;
      for (const auto& s : *sessions) who += (who.empty() ? "" : ", ") + s;
      if (flags.execute) {
        spdlog::error("replay: a sink of group {} is running: {} session(s) in the database "
                      "({}). Stop it first: it would store its positions over the new ones",
                      flags.group, sessions->size(), who);
        return kExitFailure;
      }
      spdlog::warn("replay: a sink of group {} is running ({}): --execute would be refused",
                   flags.group, who);
    }
    if (auto loaded = load_stored(*store, *moves); !loaded.ok()) {
      spdlog::error("replay: {}", loaded.error().message);
      return kExitFailure;
    }
  }
  std::optional<sinks::RedisStore> redis;
  if (!flags.redis.url.empty()) {
    if (store) {
      spdlog::error("replay: --database-url and --redis-url name two sinks' positions; a group "
                    "is one sink: pass one of them");
      return kExitUsage;
    }
    auto options = to_redis_store_options(flags.redis, flags.group);
    if (!options.ok()) {
      spdlog::error("replay: {}", options.error().message);
      return kExitUsage;
    }
    options->connection.client_name = "tokenflow-replay";
    redis.emplace(*options);
    if (auto connected = redis->connect(); !connected.ok()) {
      spdlog::error("replay: {}", connected.error().message);
      return kExitFailure;
    }
    // A running Redis sink of this group holds connections named after it (CLIENT SETNAME).
    auto clients = redis->clients_named(sinks::RedisStore::client_name_of(flags.group));
    if (!clients.ok()) {
      spdlog::warn("replay: cannot list Redis' clients ({}); stop every sink of group {} before "
                   "--execute",
                   clients.error().message, flags.group);
    } else if (!clients->empty()) {
      std::string who;
      for (const auto& c : *clients) who += (who.empty() ? "" : ", ") + c;
      if (flags.execute) {
        spdlog::error("replay: a sink of group {} is running: {} connection(s) to Redis ({}). "
                      "Stop it first: it would store its positions over the new ones",
                      flags.group, clients->size(), who);
        return kExitFailure;
      }
      spdlog::warn("replay: a sink of group {} is running ({}): --execute would be refused",
                   flags.group, who);
    }
    if (auto loaded = load_stored(*redis, *moves); !loaded.ok()) {
      spdlog::error("replay: {}", loaded.error().message);
      return kExitFailure;
    }
  }
  // Where the group's sink keeps its positions, if it was named.
  sinks::PriceBatchStore* redis_positions = redis ? &*redis : nullptr;
  const std::string positions_home =
      store ? store->table_name() : redis ? redis->table_name() : std::string();
  auto sampler = kafka::MessageSampler::create(*config);
  if (!sampler.ok()) {
    spdlog::error("replay: {}", sampler.error().message);
    return kExitFailure;
  }
  if (auto resolved = resolve(target, *embedded, **admin, **sampler, timeout, *moves);
      !resolved.ok()) {
    spdlog::error("replay: {}", resolved.error().message);
    return kExitFailure;
  }
  std::size_t fetches = 0;
  for (auto& m : *moves) {
    ops::clamp_into_log(m);
    fetches += m.fetches;
    if (m.clamped()) {
      spdlog::warn("replay: {}[{}]: offset {} is outside the log [{}, {}]: using {}", m.topic,
                   m.partition, m.wanted, m.log_start, m.log_end, m.next);
    }
  }
  describe_rewind(**sampler, *moves);
  std::cout << ops::format_replay_table(*moves, !positions_home.empty());
  if (fetches > 0) {
    std::cout << "found " << (target.to == ops::ReplayTo::block ? "block " : "the time ")
              << (target.to == ops::ReplayTo::block ? std::to_string(target.value)
                                                    : core::to_iso8601(core::UnixMillis{target.value}))
              << " with " << fetches << " message reads\n";
  }
  if (!flags.execute) {
    std::cout << "dry run: nothing changed; add --execute to move group " << flags.group
              << (positions_home.empty() ? std::string() : " and its positions in " + positions_home)
              << (flags.state_dir.empty() ? "" : " and its checkpoints in " + flags.state_dir)
              << std::endl;
    return kExitOk;
  }

  core::Positions positions;
  for (const auto& m : *moves) {
    positions.push_back({m.topic, core::Partition{m.partition}, core::Offset{m.next}});
  }
  // The database first: it is where the sink resumes; Kafka's offsets are for lag tools.
  if (store) {
    if (auto replaced = store->replace_positions(positions); !replaced.ok()) {
      spdlog::error("replay: {} (nothing moved)", replaced.error().message);
      return kExitFailure;
    }
    std::cout << "moved the positions of " << positions.size() << " partitions in "
              << store->table_name() << " (one transaction)\n";
  }
  if (redis_positions != nullptr) {
    if (auto replaced = redis_positions->replace_positions(positions); !replaced.ok()) {
      spdlog::error("replay: {} (nothing moved)", replaced.error().message);
      return kExitFailure;
    }
    std::cout << "moved the positions of " << positions.size() << " partitions in "
              << positions_home << " (one MULTI/EXEC)\n";
  }
  if (!flags.state_dir.empty()) {
    stream::CheckpointStore checkpoints(flags.state_dir);
    for (const auto& p : positions) {
      auto replaced = checkpoints.replace_with_start(p.topic, p.partition, p.next_offset);
      if (!replaced.ok()) {
        spdlog::error("replay: {}", replaced.error().message);
        return kExitFailure;
      }
      std::cout << p.topic << "[" << p.partition.value << "]: "
                << (*replaced ? "checkpoint set aside (.before-replay); " : "no checkpoint; ")
                << "its statistics are rebuilt from offset " << p.next_offset.value << "\n";
    }
  }
  if (auto altered = (*admin)->alter_committed_offsets(flags.group, positions); !altered.ok()) {
    const bool moved_elsewhere = store || redis || !flags.state_dir.empty();
    // The embedded cluster takes commits only from a member of a group it has seen, even an
    // empty one. Where the group really resumes moved; Kafka's offsets follow at the role's
    // next commit.
    if (*embedded && moved_elsewhere) {
      spdlog::warn("replay: {}: the embedded cluster refuses offsets from outside the group; the "
                   "group resumes from the positions moved above, and its next commit moves "
                   "Kafka's",
                   altered.error().message);
      return kExitOk;
    }
    spdlog::error("replay: {}{}", altered.error().message,
                  moved_elsewhere ? " (the positions above did move: the group resumes from them)"
                                  : "");
    return kExitFailure;
  }
  std::cout << "moved group " << flags.group << " on " << positions.size()
            << " partitions in Kafka" << std::endl;
  return kExitOk;
}

}  // namespace

void register_replay(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<ReplayFlags>();
  auto* cmd = app.add_subcommand(
      "replay",
      "Move a consumer group to another position (a dry run unless --execute): in Kafka, in "
      "the sink's database (--database-url or --redis-url) and in the statistics' checkpoints "
      "(--state-dir), "
      "where tokenflow's roles really resume");
  add_kafka_flags(*cmd, flags->kafka);
  cmd->add_option("--group", flags->group, "Consumer group to move")->required();
  cmd->add_option("--topic", flags->topics,
                  "Topic to move, as T or T:p,p (repeatable; default: every topic the group "
                  "committed to)")
      ->check([](const std::string& text) {
        TopicSpec spec;
        return parse_topic_spec(text, spec) ? std::string()
                                            : "'" + text + "' is not T or T:p,p (e.g. stablecoin-transfers:0,3)";
      });
  cmd->add_flag("--to-earliest", flags->to_earliest, "To the start of each log");
  cmd->add_flag("--to-latest", flags->to_latest, "To the end of each log (skip what is unread)");
  cmd->add_option("--to-offset", flags->to_offset, "To this offset in every partition");
  cmd->add_option("--to-datetime", flags->to_datetime,
                  "To the first message at or after this time (ISO-8601, UTC unless an offset "
                  "is given: 2026-12-01T10:00:00Z)");
  cmd->add_option("--by-duration", flags->by_duration,
                  "To the first message at or after this long ago (5m, 1h, 7d)");
  cmd->add_option("--shift-by", flags->shift_by,
                  "By this many messages from where the group resumes (negative: back)");
  cmd->add_option("--to-block", flags->to_block,
                  "To the first message of this block or later in each partition (a binary "
                  "search of the partition)");
  cmd->add_flag("--execute", flags->execute, "Apply the move (without it: a dry run)");
  // The sink's database (its positions are where it resumes, not Kafka's offsets).
  add_postgres_flags(*cmd, flags->postgres);
  add_redis_flags(*cmd, flags->redis, false);
  cmd->add_option("--state-dir", flags->state_dir,
                  "The statistics service's checkpoints: set the moved partitions' aside, so "
                  "their figures are rebuilt from the new position");
  cmd->add_option("--timeout", flags->timeout_seconds, "Seconds to wait for each cluster answer")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.action = [flags] { return run_replay(*flags); }; });
}

}  // namespace tokenflow::cli
