#include "support/redis_sink_harness.hpp"

#include <random>
#include <stdexcept>
#include <tuple>

#include "codec/price_tick_encoder.hpp"
#include "sinks/redis_connection.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kEndMarker = "tokenflow-test-end-of-messages";

std::string cache_text(const std::map<std::string, std::string>& fields, bool with_updated_at) {
  std::string out;
  for (const auto& [field, value] : fields) {
    if (field == "updated_at" && !with_updated_at) continue;
    out += field + "=" + value + "|";
  }
  return out;
}

std::map<std::string, std::string> fields_of(const core::PriceTick& t) {
  std::map<std::string, std::string> f = {{"id", t.id},
                                          {"price", t.price_usd.to_string()},
                                          {"source", t.source},
                                          {"timestamp", std::to_string(t.timestamp.value)}};
  if (!t.symbol.empty()) f["symbol"] = t.symbol;
  if (t.volume_24h_usd) f["volume_24h"] = t.volume_24h_usd->to_string();
  if (t.change_24h_pct) f["change_24h"] = t.change_24h_pct->to_string();
  return f;
}

}  // namespace

std::vector<core::PriceTick> make_price_ticks(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> sources = {"coingecko", "binance", "coinbase"};
  std::map<std::string, std::int64_t> clock;  // asset:source -> last timestamp
  std::vector<core::PriceTick> ticks;
  for (std::size_t i = 0; i < count; ++i) {
    core::PriceTick t;
    const auto asset = rng() % 12;
    t.asset = "asset-" + std::to_string(asset);
    t.symbol = asset % 3 == 0 ? "" : "SYM" + std::to_string(asset);
    t.source = sources[rng() % sources.size()];
    auto& last = clock[t.asset + ":" + t.source];
    if (last == 0) last = 1764763200000;
    const auto roll = rng() % 10;
    if (roll < 2) {
      t.timestamp = core::UnixMillis{last - 1000 * static_cast<std::int64_t>(1 + rng() % 5)};
    } else if (roll < 3) {
      t.timestamp = core::UnixMillis{1764763200000 + 1000 * static_cast<std::int64_t>(i / 3)};
    } else {
      last += 1000 * static_cast<std::int64_t>(1 + rng() % 3);
      t.timestamp = core::UnixMillis{last};
    }
    t.price_usd = *core::Decimal::parse(std::to_string(rng() % 5000) + "." +
                                        std::to_string(100000000 + rng() % 900000000));
    if (rng() % 2 == 0) t.volume_24h_usd = *core::Decimal::parse(std::to_string(rng() % 1000000000) + ".5");
    if (rng() % 3 == 0) {
      t.change_24h_pct = *core::SignedDecimal::parse((rng() % 2 ? "-" : "") +
                                                     std::to_string(rng() % 30) + ".25");
    }
    t.id = core::price_tick_id(t.source, t.asset, t.timestamp);
    ticks.push_back(std::move(t));
  }
  return ticks;
}

std::vector<std::pair<std::string, std::string>> keyed_price_ticks(
    const std::vector<core::PriceTick>& ticks) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& t : ticks) out.emplace_back(t.asset, codec::encode_price_tick(t));
  return out;
}

std::map<std::string, std::string> expected_cache(const std::vector<core::PriceTick>& ticks,
                                                  const std::string& prefix) {
  std::map<std::string, const core::PriceTick*> newest;
  auto offer = [&](const std::string& key, const core::PriceTick& t) {
    auto& held = newest[key];
    if (held == nullptr || std::tie(t.timestamp.value, t.id) > std::tie(held->timestamp.value, held->id)) {
      held = &t;
    }
  };
  for (const auto& t : ticks) {
    offer(prefix + ":price:" + t.asset, t);
    offer(prefix + ":price:" + t.asset + ":" + t.source, t);
  }
  std::map<std::string, std::string> out;
  for (const auto& [key, t] : newest) out[key] = cache_text(fields_of(*t), false);
  return out;
}

std::map<std::string, std::string> stored_cache(const RedisServer& server, const std::string& prefix,
                                                bool with_updated_at) {
  std::map<std::string, std::string> out;
  for (const auto& key : server.keys(prefix + ":price:*")) {
    out[key] = cache_text(server.hgetall(key), with_updated_at);
  }
  return out;
}

std::int64_t stored_position_sum(const RedisServer& server, const std::string& group,
                                 const std::string& prefix) {
  std::int64_t sum = 0;
  for (const auto& [partition, offset] :
       server.hgetall(prefix + ":positions:" + group + ":" + kRedisSinkTopic)) {
    sum += std::stoll(offset);
  }
  return sum;
}

std::unique_ptr<ChildProcess> start_redis_sink(Pipeline& pipeline, const RedisServer& server,
                                               std::vector<std::string> extra,
                                               const std::string& log) {
  std::vector<std::string> args = {"sink", "redis", "--redis-url", server.url(),
                                   "--kafka-bootstrap", pipeline.bootstrap()};
  if (!server.ca_file().empty()) {
    args.push_back("--redis-ca");
    args.push_back(server.ca_file());
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return pipeline.start_tokenflow(std::move(args), log);
}

ChannelRecorder::ChannelRecorder(const RedisServer& server, std::string channel)
    : server_(server), channel_(std::move(channel)) {
  thread_ = std::thread([this] {
    sinks::RedisConnectionOptions options;
    options.endpoint = *sinks::parse_redis_url(server_.url());
    options.ca_file = server_.ca_file();
    options.io_timeout = 600s;  // a subscriber waits as long as the test runs
    sinks::RedisConnection connection(options);
    if (!connection.connect().ok()) return;
    if (!connection.command({"SUBSCRIBE", channel_}).ok()) return;
    subscribed_ = true;
    for (;;) {
      auto message = connection.read_reply();
      if (!message.ok()) return;
      const auto payload = sinks::RedisReply::text_of(message->element(2));
      if (payload == kEndMarker) return;
      messages_.emplace_back(payload);
    }
  });
  if (!wait_until([&] { return subscribed_.load(); }, 10s)) {
    throw std::runtime_error("ChannelRecorder: cannot SUBSCRIBE to " + channel_);
  }
}

ChannelRecorder::~ChannelRecorder() {
  if (thread_.joinable()) (void)stop();
}

std::vector<std::string> ChannelRecorder::stop() {
  if (thread_.joinable()) {
    server_.command({"PUBLISH", channel_, kEndMarker});
    thread_.join();
  }
  return messages_;
}

}  // namespace tokenflow::testing
