#include "sinks/redis_store.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "codec/price_tick_encoder.hpp"
#include "sinks/errc.hpp"
#include "sinks/redis_price_script.hpp"

namespace tokenflow::sinks {
namespace {

bool parse_redis_integer(std::string_view text, std::int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// The value of `field` in INFO's "field:value" lines; empty when absent.
std::string_view info_field(std::string_view info, std::string_view field) {
  for (std::size_t at = 0; at < info.size();) {
    std::size_t end = info.find('\n', at);
    if (end == std::string_view::npos) end = info.size();
    std::string_view line = info.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > field.size() && line.starts_with(field) && line[field.size()] == ':') {
      return line.substr(field.size() + 1);
    }
    at = end + 1;
  }
  return {};
}

}  // namespace

RedisStore::RedisStore(RedisStoreOptions options)
    : options_(std::move(options)),
      connection_([this] {
        auto c = options_.connection;
        if (c.client_name.empty()) c.client_name = client_name_of(options_.group);
        return c;
      }()),
      table_name_(connection_.description() + " " + options_.key_prefix + ":price:*"),
      prices_prefix_(options_.key_prefix + ":price:"),
      ttl_text_(std::to_string(options_.ttl.count())),
      channel_(options_.key_prefix + ":prices") {}

core::Result<void> RedisStore::validate(const RedisStoreOptions& options) {
  const auto& prefix = options.key_prefix;
  if (prefix.empty() || prefix.size() > 200 ||
      prefix.find_first_of(" \t\r\n{}") != std::string::npos) {
    return make_error(errc::rejected,
                      "--key-prefix '" + prefix +
                          "' must be 1 to 200 characters without spaces or braces (e.g. tokenflow)");
  }
  return core::success();
}

std::string RedisStore::latest_key(std::string_view asset) const {
  return prices_prefix_ + std::string(asset);
}
std::string RedisStore::source_key(std::string_view asset, std::string_view source) const {
  return prices_prefix_ + std::string(asset) + ":" + std::string(source);
}
std::string RedisStore::positions_key(std::string_view topic) const {
  return options_.key_prefix + ":positions:" + options_.group + ":" + std::string(topic);
}
std::string RedisStore::channel() const { return channel_; }
std::string RedisStore::client_name_of(const std::string& group) {
  // CLIENT SETNAME takes no spaces; group names rarely have any.
  std::string name = "tokenflow-sink-" + group;
  std::replace(name.begin(), name.end(), ' ', '_');
  return name;
}

core::Error RedisStore::reply_error(std::string_view text, const char* what) {
  const std::string message =
      "Redis " + connection_.description() + ": " + what + ": " + std::string(text);
  // Out of memory may pass (keys expire, memory is freed); everything else is configuration:
  // a key of another type under the prefix, a command renamed or not permitted by an ACL.
  if (text.starts_with("OOM") || is_redis_not_ready(text)) {
    connection_.close();  // later pipelined replies are unread: start afresh
    return make_error(errc::unavailable, message);
  }
  connection_.close();
  if (text.starts_with("WRONGTYPE")) {
    return make_error(errc::rejected, message + " (a key under '" + options_.key_prefix +
                                          ":' holds something else than a hash: delete it or "
                                          "choose another --key-prefix)");
  }
  return make_error(errc::rejected, message);
}

core::Result<void> RedisStore::load_script() {
  auto loaded = connection_.command({"SCRIPT", "LOAD", price_script_source()});
  if (!loaded.ok()) return std::move(loaded).error();
  if (loaded->is_error()) return reply_error(loaded->text(), "SCRIPT LOAD");
  if (loaded->text() != price_script_sha1()) {
    connection_.close();
    return make_error(errc::rejected, "Redis " + connection_.description() +
                                          ": SCRIPT LOAD answered SHA-1 " +
                                          std::string(loaded->text()) + ", expected " +
                                          price_script_sha1());
  }
  return core::success();
}

core::Result<void> RedisStore::connect() {
  if (auto connected = connection_.connect(); !connected.ok()) return connected;
  if (auto loaded = load_script(); !loaded.ok()) return loaded;
  if (ever_connected_) {
    if (auto checked = check_lost_positions(); !checked.ok()) return checked;
  }
  ever_connected_ = true;
  return core::success();
}

core::Result<void> RedisStore::ensure_connected() {
  if (connection_.connected()) return core::success();
  return make_error(errc::unavailable,
                    "Redis " + connection_.description() + ": not connected (connect() again)");
}

core::Result<void> RedisStore::check_lost_positions() {
  std::map<std::string, std::vector<core::Partition>> by_topic;
  for (const auto& [key, offset] : acknowledged_) by_topic[key.first].push_back({key.second});
  for (const auto& [topic, partitions] : by_topic) {
    auto stored = load_positions(topic, partitions);
    if (!stored.ok()) return std::move(stored).error();
    for (const auto& partition : partitions) {
      const std::int64_t acked = acknowledged_[{topic, partition.value}];
      auto it = std::find_if(stored->begin(), stored->end(),
                             [&](const auto& s) { return s.partition == partition; });
      const std::int64_t now = it == stored->end() ? -1 : it->next_offset.value;
      if (now >= acked) continue;
      spdlog::warn(
          "{}[{}]: Redis {} holds position {} but {} was committed before the connection "
          "dropped: the server lost writes (a restart without its append-only file?); the "
          "sink reads them again",
          topic, partition.value, connection_.description(), now, acked);
      rewind_.insert({topic, partition.value});
    }
  }
  return core::success();
}

core::Result<void> RedisStore::init_schema() {
  if (auto ready = ensure_connected(); !ready.ok()) return ready;
  auto info = connection_.command({"INFO", "cluster"});
  if (!info.ok()) return std::move(info).error();
  if (!info->is_error() && info_field(info->text(), "cluster_enabled") == "1") {
    return make_error(errc::rejected,
                      "Redis " + connection_.description() +
                          " is a Redis Cluster node: the sink's script writes keys of many hash "
                          "slots at once, so it needs a single server (or a primary with replicas)");
  }
  auto persistence = connection_.command({"INFO", "persistence"});
  if (!persistence.ok()) return std::move(persistence).error();
  if (!persistence->is_error() && info_field(persistence->text(), "aof_enabled") == "0") {
    spdlog::warn(
        "Redis {} keeps no append-only file (appendonly no): a restart loses the writes since "
        "its last snapshot, cache and positions together; the sink then reads them again from "
        "Kafka, as far as Kafka still holds them (docs/redis.md, Durability)",
        connection_.description());
  }
  return core::success();
}

core::Result<core::Positions> RedisStore::load_positions(
    const std::string& topic, const std::vector<core::Partition>& partitions) {
  if (auto ready = ensure_connected(); !ready.ok()) return std::move(ready).error();
  core::Positions out;
  if (partitions.empty()) return out;
  const std::string key = positions_key(topic);
  std::vector<std::string> names;
  names.reserve(partitions.size());
  for (const auto& p : partitions) names.push_back(std::to_string(p.value));
  args_.clear();
  args_.push_back("HMGET");
  args_.push_back(key);
  for (const auto& n : names) args_.push_back(n);
  connection_.append(args_);
  if (auto sent = connection_.flush(); !sent.ok()) return std::move(sent).error();
  auto reply = connection_.read_reply();
  if (!reply.ok()) return std::move(reply).error();
  if (reply->is_error()) return reply_error(reply->text(), "reading the positions");
  for (std::size_t i = 0; i < partitions.size() && i < reply->size(); ++i) {
    std::string_view text = RedisReply::text_of(reply->element(i));
    if (text.empty()) continue;  // never stored
    std::int64_t offset = 0;
    if (!parse_redis_integer(text, offset) || offset < 0) {
      return make_error(errc::rejected, "Redis " + connection_.description() + ": " + key +
                                            " field " + names[i] + " holds '" + std::string(text) +
                                            "', not an offset; delete the field to start over");
    }
    out.push_back({topic, partitions[i], core::Offset{offset}});
  }
  for (const auto& p : partitions) rewind_.erase({topic, p.value});
  return out;
}

void RedisStore::append_call(std::span<const core::PriceTick> rows,
                             const core::Positions* positions) {
  // The arguments' text goes into one reused buffer first; views into it are taken once it
  // is complete (it may move while it grows).
  arena_.clear();
  spans_.clear();
  auto add = [&](std::string_view text) {
    spans_.emplace_back(arena_.size(), text.size());
    arena_ += text;
  };
  char number[24];
  auto add_number = [&](std::int64_t value) {
    auto [end, ec] = std::to_chars(number, number + sizeof number, value);
    add(std::string_view(number, static_cast<std::size_t>(end - number)));
  };
  const std::size_t npos = positions == nullptr ? 0 : positions->size();
  add("EVALSHA");
  add(price_script_sha1());
  add_number(static_cast<std::int64_t>(1 + rows.size() * kPriceScriptKeysPerTick));
  // KEYS
  add(positions_key(positions == nullptr || positions->empty() ? std::string_view("-")
                                                                : positions->front().topic));
  for (const auto& tick : rows) {
    spans_.emplace_back(arena_.size(), prices_prefix_.size() + tick.asset.size() + 1 + tick.source.size());
    arena_ += prices_prefix_;
    arena_ += tick.asset;
    arena_ += ':';
    arena_ += tick.source;
    spans_.emplace_back(arena_.size(), prices_prefix_.size() + tick.asset.size());
    arena_ += prices_prefix_;
    arena_ += tick.asset;
  }
  // ARGV
  add(ttl_text_);
  add(options_.publish ? std::string_view(channel_) : std::string_view());
  add_number(static_cast<std::int64_t>(npos));
  for (std::size_t i = 0; i < npos; ++i) {
    add_number((*positions)[i].partition.value);
    add_number((*positions)[i].next_offset.value);
  }
  for (const auto& tick : rows) {
    add(tick.id);
    add_number(tick.timestamp.value);
    add(tick.price_usd.to_string());
    add(tick.source);
    add(tick.volume_24h_usd ? tick.volume_24h_usd->to_string() : std::string());
    add(tick.change_24h_pct ? tick.change_24h_pct->to_string() : std::string());
    add(tick.symbol);
    if (options_.publish) {
      codec::encode_price_tick(tick, json_);
      add(json_);
    } else {
      add("");
    }
  }
  args_.clear();
  for (const auto& [at, size] : spans_) args_.emplace_back(arena_.data() + at, size);
  connection_.append(args_);
}

void RedisStore::append_calls(std::span<const core::PriceTick> rows,
                              const core::Positions& positions) {
  const std::size_t per_call = options_.ticks_per_call == 0 ? rows.size() : options_.ticks_per_call;
  std::size_t at = 0;
  // The positions go with the last call; a batch of dead letters only still stores them.
  while (rows.size() - at > per_call) {
    append_call(rows.subspan(at, per_call), nullptr);
    at += per_call;
  }
  append_call(rows.subspan(at), &positions);
}

core::Result<std::size_t> RedisStore::read_calls(std::size_t calls, bool& noscript) {
  std::size_t changed = 0;
  std::optional<core::Error> failed;
  for (std::size_t i = 0; i < calls; ++i) {
    auto reply = connection_.read_reply();
    if (!reply.ok()) {
      connection_.close();
      return std::move(reply).error();
    }
    if (failed || noscript) continue;  // read the rest, to keep the connection in step
    if (reply->is_error()) {
      if (reply->text().starts_with("NOSCRIPT")) {
        noscript = true;
        continue;
      }
      failed = core::Error{make_error_code(errc::rejected), std::string(reply->text())};
      continue;
    }
    changed += static_cast<std::size_t>(std::max<long long>(reply->integer(), 0));
  }
  if (failed) return reply_error(failed->message, "the price script failed");
  return changed;
}

core::Result<std::size_t> RedisStore::write(std::span<const core::PriceTick> rows,
                                            const core::Positions& positions,
                                            const CommitGate& gate) {
  if (!rewind_.empty()) {
    const auto& [topic, partition] = *rewind_.begin();
    return make_error(errc::rewind, "Redis " + connection_.description() + " lost writes of " +
                                        topic + "[" + std::to_string(partition) +
                                        "]: reload the positions before writing again");
  }
  if (auto ready = ensure_connected(); !ready.ok()) return std::move(ready).error();
  if (positions.size() > 1) {
    for (const auto& p : positions) {
      if (p.topic != positions.front().topic) {
        return make_error(errc::rejected, "a batch of the Redis sink covers one topic only");
      }
    }
  }
  const std::size_t per_call = options_.ticks_per_call == 0 ? std::max<std::size_t>(rows.size(), 1)
                                                           : options_.ticks_per_call;
  const std::size_t calls = rows.size() <= per_call ? 1 : (rows.size() + per_call - 1) / per_call;
  // Encoded before the gate, so a writer waiting for its turn has its batch ready to send.
  append_calls(rows, positions);
  if (gate && !gate()) {
    connection_.discard_appended();
    return make_error(errc::aborted, "batch rolled back: an earlier batch did not commit");
  }
  for (int attempt = 0;; ++attempt) {
    if (auto sent = connection_.flush(); !sent.ok()) return std::move(sent).error();
    bool noscript = false;
    auto changed = read_calls(calls, noscript);
    if (!changed.ok()) return changed;
    if (!noscript) {
      for (const auto& p : positions) {
        auto& acked = acknowledged_[{p.topic, p.partition.value}];
        acked = std::max(acked, p.next_offset.value);
      }
      return changed;
    }
    // SCRIPT FLUSH, or a server that lost its script cache some other way: load it and send
    // the batch again (the calls that did run are found unchanged the second time).
    if (attempt > 0) {
      connection_.close();
      return make_error(errc::unavailable, "Redis " + connection_.description() +
                                               ": the price script vanished again after SCRIPT LOAD");
    }
    spdlog::warn("Redis {}: NOSCRIPT (its script cache was flushed); loading the script again",
                 connection_.description());
    if (auto loaded = load_script(); !loaded.ok()) return std::move(loaded).error();
    append_calls(rows, positions);
  }
}

core::Result<std::size_t> RedisStore::forget_positions() {
  if (auto ready = ensure_connected(); !ready.ok()) return std::move(ready).error();
  const std::string pattern = options_.key_prefix + ":positions:" + options_.group + ":*";
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto reply = connection_.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!reply.ok()) return std::move(reply).error();
    if (reply->is_error() || reply->size() != 2) return reply_error(reply->text(), "SCAN");
    cursor = std::string(RedisReply::text_of(reply->element(0)));
    const redisReply* found = reply->element(1);
    for (std::size_t i = 0; found != nullptr && i < found->elements; ++i) {
      keys.emplace_back(RedisReply::text_of(found->element[i]));
    }
  } while (cursor != "0");
  std::size_t forgotten = 0;
  for (const auto& key : keys) {
    auto length = connection_.command({"HLEN", key});
    if (!length.ok()) return std::move(length).error();
    forgotten += static_cast<std::size_t>(std::max<long long>(length->integer(), 0));
    auto deleted = connection_.command({"DEL", key});
    if (!deleted.ok()) return std::move(deleted).error();
    if (deleted->is_error()) return reply_error(deleted->text(), "DEL");
  }
  acknowledged_.clear();
  rewind_.clear();
  return forgotten;
}

core::Result<void> RedisStore::replace_positions(const core::Positions& positions) {
  if (auto ready = ensure_connected(); !ready.ok()) return std::move(ready).error();
  // MULTI/EXEC: every partition moves, or none.
  connection_.append({"MULTI"});
  std::vector<std::string> texts;
  texts.reserve(positions.size() * 3);
  for (const auto& p : positions) {
    texts.push_back(positions_key(p.topic));
    texts.push_back(std::to_string(p.partition.value));
    texts.push_back(std::to_string(p.next_offset.value));
    const std::string_view args[] = {"HSET", texts[texts.size() - 3], texts[texts.size() - 2],
                                     texts[texts.size() - 1]};
    connection_.append(args);
  }
  connection_.append({"EXEC"});
  if (auto sent = connection_.flush(); !sent.ok()) return sent;
  std::optional<std::string> refused;
  for (std::size_t i = 0; i < positions.size() + 2; ++i) {
    auto reply = connection_.read_reply();
    if (!reply.ok()) return std::move(reply).error();
    if (reply->is_error() && !refused) refused = std::string(reply->text());
  }
  if (refused) return reply_error(*refused, "moving the positions (nothing moved)");
  for (const auto& p : positions) {
    acknowledged_.erase({p.topic, p.partition.value});
    rewind_.erase({p.topic, p.partition.value});
  }
  return core::success();
}

core::Result<std::uint64_t> RedisStore::count_rows() {
  if (auto ready = ensure_connected(); !ready.ok()) return std::move(ready).error();
  const std::string pattern = prices_prefix_ + "*";
  std::uint64_t count = 0;
  std::string cursor = "0";
  do {
    auto reply = connection_.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!reply.ok()) return std::move(reply).error();
    if (reply->is_error() || reply->size() != 2) return reply_error(reply->text(), "SCAN");
    cursor = std::string(RedisReply::text_of(reply->element(0)));
    const redisReply* found = reply->element(1);
    count += found == nullptr ? 0 : found->elements;
  } while (cursor != "0");
  return count;
}

core::Result<std::vector<std::string>> RedisStore::clients_named(const std::string& name) {
  if (auto ready = ensure_connected(); !ready.ok()) return std::move(ready).error();
  auto reply = connection_.command({"CLIENT", "LIST"});
  if (!reply.ok()) return std::move(reply).error();
  if (reply->is_error()) return reply_error(reply->text(), "CLIENT LIST");
  auto id = connection_.command({"CLIENT", "ID"});
  if (!id.ok()) return std::move(id).error();
  const std::string own = "id=" + std::to_string(id->integer()) + " ";
  std::vector<std::string> out;
  std::string_view list = reply->text();
  while (!list.empty()) {
    const std::size_t end = std::min(list.find('\n'), list.size());
    std::string_view line = list.substr(0, end);
    list.remove_prefix(std::min(end + 1, list.size()));
    if (line.find(" name=" + name + " ") == std::string_view::npos || line.starts_with(own)) continue;
    auto field = [&](std::string_view key) {
      const std::size_t at = line.find(" " + std::string(key) + "=");
      if (at == std::string_view::npos) return std::string_view();
      std::string_view rest = line.substr(at + key.size() + 2);
      return rest.substr(0, rest.find(' '));
    };
    out.push_back(std::string(line.substr(0, line.find(' '))) + " addr=" + std::string(field("addr")) +
                  " age=" + std::string(field("age")) + "s");
  }
  return out;
}

}  // namespace tokenflow::sinks
