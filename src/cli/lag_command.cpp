// `tokenflow lag`: consumer lag per group and partition, like `kafka-consumer-groups
// --describe` with the log start, lag in seconds and in blocks, and where tokenflow's own
// groups really resume (the sink's positions in its database, the statistics' checkpoints),
// flagged where Kafka's offsets say otherwise. --watch gives each partition a status from
// its last samples; --fail-above exits 1 for scripts and cron.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <iostream>
#include <map>
#include <optional>
#include <tuple>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/postgres_flags.hpp"
#include "core/timestamp.hpp"
#include "kafka/admin.hpp"
#include "kafka/message_sampler.hpp"
#include "ops/block_search.hpp"
#include "ops/lag_report.hpp"
#include "sinks/postgres_store.hpp"
#include "stream/checkpoint_store.hpp"
#include "stream/partition_state.hpp"

namespace tokenflow::cli {
namespace {

// What `lag` shows without --group on a cluster that cannot list its groups (the embedded
// one): tokenflow's own groups, those that committed something.
constexpr const char* kKnownGroups[] = {"tokenflow-sink-postgres", "tokenflow-alerts",
                                        "tokenflow-stats",         "tokenflow-up-sink",
                                        "tokenflow-up-alerts",     "tokenflow-up-stats"};

struct LagFlags {
  KafkaFlags kafka;
  std::vector<std::string> groups;
  std::vector<std::string> topics;
  sinks::PostgresStoreOptions postgres;
  std::vector<std::string> sink_groups = {"tokenflow-sink-postgres", "tokenflow-up-sink"};
  std::string state_dir;
  std::vector<std::string> stats_groups = {"tokenflow-stats", "tokenflow-up-stats"};
  double watch_seconds = 0;
  std::string format = "text";
  std::optional<std::int64_t> fail_above;
  std::optional<double> fail_above_seconds;
  int timeout_seconds = 10;
};

using PartitionKey = std::tuple<std::string, std::string, std::int32_t>;  // group, topic, p

class LagReader {
 public:
  LagReader(LagFlags& flags, std::unique_ptr<kafka::Admin> admin,
            std::unique_ptr<kafka::MessageSampler> sampler, bool embedded)
      : flags_(flags), admin_(std::move(admin)), sampler_(std::move(sampler)), embedded_(embedded) {}

  core::Result<void> open_database() {
    if (flags_.postgres.url.empty()) return core::success();
    auto options = flags_.postgres;
    options.read_only_positions = true;  // a view: a read-only user may run it
    options.application_name = "tokenflow-lag";
    store_.emplace(options);
    return store_->connect();
  }

  core::Result<std::vector<ops::GroupLagReport>> read() {
    auto groups = group_names();
    if (!groups.ok()) return std::move(groups).error();
    std::vector<ops::GroupLagReport> out;
    for (const auto& name : *groups) {
      ops::GroupLagReport report;
      report.group = name;
      if (auto read = read_group(report); !read.ok()) report.error = read.error().message;
      if (flags_.groups.empty() && report.rows.empty() && report.error.empty()) continue;
      out.push_back(std::move(report));
    }
    return out;
  }

 private:
  core::Result<std::vector<std::string>> group_names() {
    if (!flags_.groups.empty()) return flags_.groups;
    if (!embedded_) return admin_->list_groups();
    return std::vector<std::string>(std::begin(kKnownGroups), std::end(kKnownGroups));
  }

  static bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  }

  core::Result<void> read_group(ops::GroupLagReport& report) {
    std::map<std::pair<std::string, std::int32_t>, std::string> readers;
    std::optional<bool> has_members;
    // The embedded cluster refuses DescribeGroups (Admin::is_embedded_cluster).
    if (!embedded_) {
      auto described = admin_->describe_group(report.group);
      if (described.ok()) {
        report.state = described->state;
        report.members = static_cast<int>(described->members.size());
        has_members = !described->members.empty();
        for (const auto& m : described->members) {
          for (const auto& tp : m.assignment) {
            readers[{tp.topic, tp.partition.value}] = m.client_id + "@" + m.host;
          }
        }
      }
    }
    auto committed = admin_->committed_offsets(report.group);
    if (!committed.ok()) return std::move(committed).error();
    kafka::TopicPartitions partitions;
    std::map<std::string, int> counted;
    for (const auto& c : *committed) {
      if (!flags_.topics.empty() && !contains(flags_.topics, c.topic)) continue;
      if (counted.contains(c.topic)) continue;
      auto count = admin_->partition_count(c.topic);
      if (!count.ok()) return std::move(count).error();
      counted[c.topic] = *count;
      for (int p = 0; p < *count; ++p) partitions.push_back({c.topic, core::Partition{p}});
    }
    auto marks = admin_->watermarks(partitions);
    if (!marks.ok()) return std::move(marks).error();
    core::Positions unread;
    core::Positions last_consumed;
    core::Positions newest;
    for (std::size_t i = 0; i < partitions.size(); ++i) {
      ops::PartitionLagRow row;
      row.topic = partitions[i].topic;
      row.partition = partitions[i].partition.value;
      row.log_start = (*marks)[i].low.value;
      row.log_end = (*marks)[i].high.value;
      for (const auto& c : *committed) {
        if (c.topic == row.topic && c.partition == partitions[i].partition) {
          row.committed = c.next_offset.value;
        }
      }
      row.lag = std::max<std::int64_t>(0, row.log_end - row.committed.value_or(row.log_start));
      if (auto it = readers.find({row.topic, row.partition}); it != readers.end()) row.member = it->second;
      const core::Partition p{row.partition};
      if (row.lag > 0) {
        unread.push_back({row.topic, p, core::Offset{std::max(row.log_start, row.committed.value_or(row.log_start))}});
        newest.push_back({row.topic, p, core::Offset{row.log_end - 1}});
        if (row.committed && *row.committed > row.log_start) {
          last_consumed.push_back({row.topic, p, core::Offset{*row.committed - 1}});
        }
      }
      report.rows.push_back(std::move(row));
    }
    add_own_positions(report);
    // The oldest unread message's age; the newest and the last consumed messages' blocks.
    const auto timeout = std::chrono::milliseconds(2000);
    const auto oldest = sampler_->read(unread, timeout);
    const auto newest_read = sampler_->read(newest, timeout);
    const auto consumed = sampler_->read(last_consumed, timeout);
    const auto now = core::now_millis().value;
    for (auto& row : report.rows) {
      const kafka::MessageSampler::Key key{row.topic, row.partition};
      if (row.lag == 0) {
        row.lag_seconds = 0.0;
      } else if (auto it = oldest.find(key); it != oldest.end() && it->second.timestamp_ms >= 0) {
        row.lag_seconds = std::max(0.0, static_cast<double>(now - it->second.timestamp_ms) / 1000.0);
      }
      auto n = newest_read.find(key);
      auto c = consumed.find(key);
      if (n != newest_read.end() && c != consumed.end()) {
        const auto newest_block = ops::block_of(n->second.payload);
        const auto consumed_block = ops::block_of(c->second.payload);
        if (newest_block && consumed_block) row.lag_blocks = *newest_block - *consumed_block;
      }
      auto& samples = history_[{report.group, row.topic, row.partition}];
      samples.push_back({std::chrono::steady_clock::now(), row.committed.value_or(-1), row.log_end});
      while (samples.size() > kWindow) samples.pop_front();
      row.status = ops::evaluate(samples, has_members);
    }
    return core::success();
  }

  void add_own_positions(ops::GroupLagReport& report) {
    if (store_ && contains(flags_.sink_groups, report.group)) {
      std::map<std::string, std::vector<core::Partition>> by_topic;
      for (const auto& r : report.rows) by_topic[r.topic].push_back(core::Partition{r.partition});
      for (const auto& [topic, partitions] : by_topic) {
        auto stored = store_->load_positions(topic, partitions);
        if (!stored.ok()) {
          report.error = stored.error().message;
          continue;
        }
        for (const auto& s : *stored) {
          for (auto& r : report.rows) {
            if (r.topic == topic && r.partition == s.partition.value) r.stored = s.next_offset.value;
          }
        }
      }
    }
    if (!flags_.state_dir.empty() && contains(flags_.stats_groups, report.group)) {
      stream::CheckpointStore checkpoints(flags_.state_dir);
      for (auto& r : report.rows) {
        auto saved = checkpoints.read(r.topic, core::Partition{r.partition});
        if (saved.ok() && saved->has_value()) {
          r.checkpoint = stream::PartitionState::next_offset_of(**saved);
        } else if (auto start = checkpoints.read_start(r.topic, core::Partition{r.partition});
                   start.ok() && start->has_value()) {
          r.checkpoint = (*start)->value;
        }
      }
    }
    for (auto& r : report.rows) {
      const auto& own = r.stored ? r.stored : r.checkpoint;
      r.beyond_end = own && *own > r.log_end;
    }
  }

  static constexpr std::size_t kWindow = 10;
  LagFlags& flags_;
  std::unique_ptr<kafka::Admin> admin_;
  std::unique_ptr<kafka::MessageSampler> sampler_;
  bool embedded_;
  std::optional<sinks::PostgresStore> store_;
  std::map<PartitionKey, std::deque<ops::LagSample>> history_;
};

// The first reason the report is above the --fail-above thresholds, or "".
std::string over_threshold(const LagFlags& flags, const std::vector<ops::GroupLagReport>& groups) {
  for (const auto& g : groups) {
    for (const auto& r : g.rows) {
      const std::string where = g.group + " on " + r.topic + "[" + std::to_string(r.partition) + "]";
      if (flags.fail_above && r.lag > *flags.fail_above) {
        return where + " lags " + std::to_string(r.lag) + " messages (--fail-above " +
               std::to_string(*flags.fail_above) + ")";
      }
      if (flags.fail_above_seconds && r.lag_seconds && *r.lag_seconds > *flags.fail_above_seconds) {
        return where + " lags " + std::to_string(*r.lag_seconds) + " s (--fail-above-seconds " +
               std::to_string(*flags.fail_above_seconds) + ")";
      }
    }
  }
  return "";
}

int run_lag(LagFlags& flags, CommandContext& ctx) {
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  if (!flags.postgres.url.empty() && !validate_postgres_flags(flags.postgres)) return kExitUsage;
  auto admin = kafka::Admin::create(*config, std::chrono::seconds(flags.timeout_seconds));
  if (!admin.ok()) {
    spdlog::error("lag: {}", admin.error().message);
    return kExitFailure;
  }
  auto embedded = (*admin)->is_embedded_cluster();
  if (!embedded.ok()) {
    spdlog::error("lag: {}", embedded.error().message);
    return kExitFailure;
  }
  auto sampler = kafka::MessageSampler::create(*config);
  if (!sampler.ok()) {
    spdlog::error("lag: {}", sampler.error().message);
    return kExitFailure;
  }
  LagReader reader(flags, std::move(admin).value(), std::move(sampler).value(), *embedded);
  if (auto opened = reader.open_database(); !opened.ok()) {
    spdlog::error("lag: {}", opened.error().message);
    return kExitFailure;
  }
  for (;;) {
    auto report = reader.read();
    if (!report.ok()) {
      spdlog::error("lag: {}", report.error().message);
      return kExitFailure;
    }
    if (flags.format == "json") {
      std::cout << ops::format_lag_json(*report) << std::endl;
    } else {
      if (flags.watch_seconds > 0) std::cout << "\x1b[2J\x1b[H";  // a fresh screen each round
      std::cout << (report->empty() ? "no consumer group with committed offsets\n"
                                    : ops::format_lag_text(*report))
                << std::flush;
    }
    if (auto over = over_threshold(flags, *report); !over.empty()) {
      spdlog::error("lag: {}", over);
      return kExitFailure;
    }
    if (flags.watch_seconds <= 0) return kExitOk;
    if (!ctx.stop.wait_for(std::chrono::milliseconds(static_cast<long>(flags.watch_seconds * 1000)))) {
      return kExitOk;
    }
  }
}

}  // namespace

void register_lag(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<LagFlags>();
  auto* cmd = app.add_subcommand(
      "lag",
      "Consumer lag per group and partition: committed offset, log start and end, lag in "
      "messages, seconds and blocks, who reads it, and where tokenflow's groups really resume");
  add_kafka_flags(*cmd, flags->kafka);
  cmd->add_option("--group", flags->groups, "Group to show (repeatable; default: every group)");
  cmd->add_option("--topic", flags->topics, "Only this topic (repeatable)");
  // The sink's database (its positions are where it resumes, not Kafka's offsets).
  add_postgres_flags(*cmd, flags->postgres);
  cmd->add_option("--sink-group", flags->sink_groups, "Groups whose positions live in the database")
      ->capture_default_str();
  cmd->add_option("--state-dir", flags->state_dir,
                  "The statistics service's checkpoints: show where it resumes");
  cmd->add_option("--stats-group", flags->stats_groups,
                  "Groups whose positions live in --state-dir")
      ->capture_default_str();
  cmd->add_option("--watch", flags->watch_seconds,
                  "Refresh every SECONDS and give each partition a status (ok, falling behind, "
                  "stalled, stopped, rewound) from its last samples")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--format", flags->format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--fail-above", flags->fail_above,
                  "Exit 1 if a partition lags more than this many messages");
  cmd->add_option("--fail-above-seconds", flags->fail_above_seconds,
                  "Exit 1 if a partition's oldest unread message is older than this many seconds");
  cmd->add_option("--timeout", flags->timeout_seconds, "Seconds to wait for each cluster answer")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.action = [flags, &ctx] { return run_lag(*flags, ctx); }; });
}

}  // namespace tokenflow::cli
