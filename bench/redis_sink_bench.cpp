// redis_sink_bench: ticks/s through the Redis sink's store (RedisStore::write, the price
// script with its positions) beside redis-benchmark running the same script by EVALSHA,
// pipelined, against the same server in the same run; and the bytes each cached tick
// costs in Redis.
//
//   redis_sink_bench [--ticks N] [--runs R]
//
// Server: Debian's redis-server, appendonly yes, appendfsync everysec, no snapshots, on
// loopback. Ticks: 1,000 assets x 3 sources, timestamps rising (every tick changes the
// cache and is PUBLISHed: the most work a tick can cost), ~250-byte JSON, positions of 12
// partitions with every call that carries them.
//  1. store, one script call per batch of 1,000 ticks (the sink's default);
//  2. store, one call per tick, pipelined 1,000 at a time (--ticks-per-call 1);
//  3. reference: redis-benchmark -c 1 -P 1000 EVALSHA <the script> with one tick per call.
// Checked before printing: after each store run the cache holds the last tick of every key
// (the count of keys, and every key's timestamp), the positions are the batch's; and the
// reference's calls are counted in INFO commandstats.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "codec/price_tick_encoder.hpp"
#include "sinks/redis_price_script.hpp"
#include "sinks/redis_store.hpp"
#include "support/child_process.hpp"
#include "support/redis_server.hpp"

namespace {

using namespace tokenflow;
using Clock = std::chrono::steady_clock;
using bench::fail;

constexpr std::size_t kAssets = 1000;
constexpr std::size_t kSources = 3;
constexpr std::size_t kBatch = 1000;
constexpr int kPartitions = 12;

std::vector<core::PriceTick> make_bench_ticks(std::size_t count, std::int64_t base_ms) {
  std::vector<core::PriceTick> ticks(count);
  const char* sources[kSources] = {"coingecko", "binance", "coinbase"};
  for (std::size_t i = 0; i < count; ++i) {
    auto& t = ticks[i];
    t.asset = "asset-" + std::to_string(i % kAssets);
    t.source = sources[(i / kAssets) % kSources];
    t.symbol = "SYM" + std::to_string(i % kAssets);
    t.timestamp = core::UnixMillis{base_ms + static_cast<std::int64_t>(i)};
    t.price_usd = *core::Decimal::parse(std::to_string(1000 + i % 5000) + ".123456789012");
    t.volume_24h_usd = *core::Decimal::parse("15234567890.12");
    t.change_24h_pct = *core::SignedDecimal::parse("-1.25");
    t.id = core::price_tick_id(t.source, t.asset, t.timestamp);
  }
  return ticks;
}

std::uint64_t used_memory(const testing::RedisServer& server) {
  const std::string info = server.command({"INFO", "memory"});
  const auto at = info.find("used_memory:");
  if (at == std::string::npos) fail("INFO memory has no used_memory");
  return std::stoull(info.substr(at + 12));
}

std::uint64_t evalsha_calls(const testing::RedisServer& server) {
  const std::string info = server.command({"INFO", "commandstats"});
  const auto at = info.find("cmdstat_evalsha:calls=");
  return at == std::string::npos ? 0 : std::stoull(info.substr(at + 22));
}

// Ticks/s of one store run over `ticks`, checked.
double run_store(const testing::RedisServer& server, const std::vector<core::PriceTick>& ticks,
                 std::size_t ticks_per_call, const std::string& prefix) {
  sinks::RedisStoreOptions options;
  options.connection.endpoint = *sinks::parse_redis_url(server.url());
  options.key_prefix = prefix;
  options.group = "bench";
  options.ticks_per_call = ticks_per_call;
  sinks::RedisStore store(options);
  if (auto c = store.connect(); !c.ok()) fail(c.error().message);
  std::int64_t offset = 0;
  std::size_t changed = 0;
  const auto start = Clock::now();
  for (std::size_t at = 0; at < ticks.size(); at += kBatch) {
    const std::size_t n = std::min(kBatch, ticks.size() - at);
    core::Positions positions;
    offset += static_cast<std::int64_t>(n / kPartitions);
    for (int p = 0; p < kPartitions; ++p) {
      positions.push_back({"market.prices", core::Partition{p}, core::Offset{offset}});
    }
    auto written = store.write(std::span<const core::PriceTick>(ticks).subspan(at, n), positions);
    if (!written.ok()) fail(written.error().message);
    changed += *written;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (changed != ticks.size()) {
    fail("store changed " + std::to_string(changed) + " of " + std::to_string(ticks.size()) + " ticks");
  }
  auto keys = store.count_rows();
  if (!keys.ok() || *keys != kAssets + kAssets * kSources) fail("unexpected number of price keys");
  // The last tick of every asset+source key is the one stored.
  for (std::size_t i = ticks.size() - kAssets * kSources; i < ticks.size(); i += 97) {
    const auto& t = ticks[i];
    auto held = server.hgetall(prefix + ":price:" + t.asset + ":" + t.source);
    if (held["timestamp"] != std::to_string(t.timestamp.value) || held["price"] != t.price_usd.to_string()) {
      fail("key " + t.asset + ":" + t.source + " does not hold its last tick");
    }
  }
  if (server.hgetall(prefix + ":positions:bench:market.prices")["0"] != std::to_string(offset)) {
    fail("positions not stored");
  }
  return static_cast<double>(ticks.size()) / seconds;
}

// redis-benchmark with the same script, one tick per call, pipelined: calls/s.
double run_reference(const testing::RedisServer& server, std::size_t calls, const std::string& json) {
  const std::uint64_t before = evalsha_calls(server);
  std::vector<std::string> argv = {
      "redis-benchmark", "-h", "127.0.0.1", "-p", std::to_string(server.port()), "-c", "1", "-P",
      std::to_string(kBatch), "-n", std::to_string(calls), "-r", "1000000", "-q", "EVALSHA",
      sinks::price_script_sha1(), "3", "ref:positions:bench:market.prices",
      "ref:price:asset-__rand_int__:binance", "ref:price:asset-__rand_int__", "0", "ref:prices", "1",
      "0", "__rand_int__", "binance:asset:__rand_int__", "17647632__rand_int__",
      "3012.123456789012", "binance", "15234567890.12", "-1.25", "SYM1", json};
  auto result = testing::run_command(argv, std::chrono::minutes(10));
  if (result.exit_code != 0) fail("redis-benchmark: " + result.output);
  const auto per_second = result.output.rfind(" requests per second");
  const auto colon = result.output.rfind(": ", per_second);
  if (per_second == std::string::npos || colon == std::string::npos) fail("redis-benchmark said: " + result.output);
  const std::uint64_t ran = evalsha_calls(server) - before;
  if (ran < calls) fail("redis-benchmark ran " + std::to_string(ran) + " EVALSHA of " + std::to_string(calls));
  return std::stod(result.output.substr(colon + 2, per_second - colon - 2));
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 300'000;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--ticks") count = std::stoul(argv[i + 1]);
    if (std::string(argv[i]) == "--runs") runs = std::stoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  count = std::max<std::size_t>(count / (kAssets * kSources), 1) * kAssets * kSources;
  testing::RedisServer server;
  const std::string json = codec::encode_price_tick(make_bench_ticks(1, 0)[0]);

  std::vector<double> batch_rates, tick_rates, reference_rates;
  for (int r = 0; r < runs; ++r) {
    // Each run's timestamps are above the last run's, so every tick changes the cache again.
    const auto ticks = make_bench_ticks(count, 1764763200000 + static_cast<std::int64_t>(r) * 10'000'000);
    batch_rates.push_back(run_store(server, ticks, 0, "batch"));
    tick_rates.push_back(run_store(server, ticks, 1, "tick"));
    reference_rates.push_back(run_reference(server, count, json));
  }
  // Bytes per cached tick: the keys of one more prefix, written once.
  const std::uint64_t before = used_memory(server);
  (void)run_store(server, make_bench_ticks(kAssets * kSources, 1764763200000), 0, "memory");
  const double bytes_per_key =
      static_cast<double>(used_memory(server) - before) / static_cast<double>(kAssets * (kSources + 1));

  const double reference = bench::median(reference_rates);
  std::printf("redis_sink_bench: %s ticks x %d runs, %zu assets x %zu sources, batches of %zu, "
              "12 partitions, tick JSON %zu bytes, redis-server appendonly everysec, load %s\n",
              bench::with_commas(count).c_str(), runs, kAssets, kSources, kBatch, json.size(),
              bench::load_average().c_str());
  std::printf("%-62s %12s %8s\n", "path (median of runs)", "ticks/s", "ratio");
  std::printf("%-62s %12s %8.2f\n", "store: one script call per batch of 1,000 ticks",
              bench::with_commas(static_cast<std::uint64_t>(bench::median(batch_rates))).c_str(),
              bench::median(batch_rates) / reference);
  std::printf("%-62s %12s %8.2f\n", "store: one call per tick, pipelined 1,000 (--ticks-per-call 1)",
              bench::with_commas(static_cast<std::uint64_t>(bench::median(tick_rates))).c_str(),
              bench::median(tick_rates) / reference);
  std::printf("%-62s %12s %8.2f\n", "reference: redis-benchmark -c 1 -P 1000 EVALSHA, 1 tick/call",
              bench::with_commas(static_cast<std::uint64_t>(reference)).c_str(), 1.0);
  std::printf("Redis memory per cached tick (hash of 8 fields, used_memory delta): %.0f bytes\n",
              bytes_per_key);
  return 0;
}
