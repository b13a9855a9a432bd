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
//  3. sink: the whole of `sink redis` in this process: a backlog of M ticks (default
//     120,000: ~10,000 ~250-byte messages a partition, well inside the embedded cluster's
//     5 MiB a partition) in the embedded cluster's market.prices (12 partitions, keyed by
//     asset), the real PriceSink with RedisStores as the command builds them (batches of
//     1,000, 2 writers) consuming, decoding, batching and writing. The clock runs from its
//     first consumed message to its last batch committed (its group join is not counted);
//  4. reference: redis-benchmark -c 1 -P 1000 EVALSHA <the script> with one tick per call.
// Checked before printing: after each store and sink run the cache holds the last tick of
// every key (the count of keys, and every key's timestamp), every tick changed the cache,
// the positions are the batch's (store) or sum to the backlog (sink); and the reference's
// calls are counted in INFO commandstats.
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "drain_clock.hpp"
#include "codec/price_tick_encoder.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "sinks/event_sink.hpp"
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

// The cache `prefix` holds the last tick of each asset+source key of `ticks` (sampled).
void check_last_ticks(const testing::RedisServer& server, const std::vector<core::PriceTick>& ticks,
                      const std::string& prefix) {
  for (std::size_t i = ticks.size() - kAssets * kSources; i < ticks.size(); i += 97) {
    const auto& t = ticks[i];
    auto held = server.hgetall(prefix + ":price:" + t.asset + ":" + t.source);
    if (held["timestamp"] != std::to_string(t.timestamp.value) || held["price"] != t.price_usd.to_string()) {
      fail("key " + prefix + ":price:" + t.asset + ":" + t.source + " does not hold its last tick");
    }
  }
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
  check_last_ticks(server, ticks, prefix);
  if (server.hgetall(prefix + ":positions:bench:market.prices")["0"] != std::to_string(offset)) {
    fail("positions not stored");
  }
  return static_cast<double>(ticks.size()) / seconds;
}

// Ticks/s of the whole `sink redis` draining a backlog of `ticks` from Kafka, checked.
double run_whole_sink(const testing::RedisServer& server, const std::vector<core::PriceTick>& ticks,
                      int run) {
  auto cluster = kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail(cluster.error().message);
  const std::string topic = "market.prices";
  if (auto r = (*cluster)->create_topic(topic, kPartitions); !r.ok()) fail(r.error().message);
  const auto client = (*cluster)->client_config();
  {
    kafka::ProducerOptions options;
    options.client_id = "redis-sink-bench-producer";
    auto producer = kafka::Producer::create(client, options);
    if (!producer.ok()) fail(producer.error().message);
    std::string payload;
    for (const auto& tick : ticks) {
      payload.clear();
      codec::encode_price_tick(tick, payload);
      if (auto r = (*producer)->produce(topic, tick.asset, payload); !r.ok()) fail(r.error().message);
    }
    if (auto r = (*producer)->flush(std::chrono::seconds(60)); !r.ok()) fail(r.error().message);
  }
  auto dlq = kafka::Producer::create(client, kafka::ProducerOptions{});
  if (!dlq.ok()) fail(dlq.error().message);
  // As `sink redis` sets them (sink_redis_command.cpp): batches of 1,000, the default writers.
  sinks::SinkOptions sink_options;
  sink_options.topic = topic;
  sink_options.batch_size = kBatch;
  sink_options.max_records = ticks.size();
  sink_options.log_batches = false;
  kafka::ConsumerOptions consumer;
  consumer.group_id = "redis-sink-bench-" + std::to_string(run);
  consumer.topics = {topic};
  sinks::RedisStoreOptions options;
  options.connection.endpoint = *sinks::parse_redis_url(server.url());
  const std::string prefix = "sink" + std::to_string(run);
  options.key_prefix = prefix;
  options.group = consumer.group_id;
  sinks::PriceSink sink(
      sink_options, client, consumer,
      [options]() -> std::unique_ptr<sinks::PriceBatchStore> {
        return std::make_unique<sinks::RedisStore>(options);
      },
      **dlq);
  const double seconds = bench::time_drain(sink, "sink");
  if (sink.probe().stored.get() != ticks.size() || sink.probe().dead_letters.get() != 0) {
    fail("sink: stored " + std::to_string(sink.probe().stored.get()) + " and dead-lettered " +
         std::to_string(sink.probe().dead_letters.get()) + " of " + std::to_string(ticks.size()));
  }
  std::int64_t positions = 0;
  for (const auto& [partition, offset] :
       server.hgetall(prefix + ":positions:" + consumer.group_id + ":" + topic)) {
    positions += std::stoll(offset);
  }
  if (positions != static_cast<std::int64_t>(ticks.size())) {
    fail("sink: positions sum to " + std::to_string(positions));
  }
  sinks::RedisStore store(options);
  if (auto c = store.connect(); !c.ok()) fail(c.error().message);
  auto keys = store.count_rows();
  if (!keys.ok() || *keys != kAssets + kAssets * kSources) fail("sink: unexpected number of price keys");
  check_last_ticks(server, ticks, prefix);
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
  std::size_t sink_count = 120'000;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--ticks") count = std::stoul(argv[i + 1]);
    if (std::string(argv[i]) == "--sink-ticks") sink_count = std::stoul(argv[i + 1]);
    if (std::string(argv[i]) == "--runs") runs = std::stoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  count = std::max<std::size_t>(count / (kAssets * kSources), 1) * kAssets * kSources;
  sink_count = std::max<std::size_t>(sink_count / (kAssets * kSources), 1) * kAssets * kSources;
  testing::RedisServer server;
  const std::string json = codec::encode_price_tick(make_bench_ticks(1, 0)[0]);

  std::vector<double> batch_rates, tick_rates, sink_rates, reference_rates;
  for (int r = 0; r < runs; ++r) {
    // Each run's timestamps are above the last run's, so every tick changes the cache again.
    const auto ticks = make_bench_ticks(count, 1764763200000 + static_cast<std::int64_t>(r) * 10'000'000);
    batch_rates.push_back(run_store(server, ticks, 0, "batch"));
    tick_rates.push_back(run_store(server, ticks, 1, "tick"));
    sink_rates.push_back(run_whole_sink(server, make_bench_ticks(sink_count, 1764763200000), r));
    reference_rates.push_back(run_reference(server, count, json));
  }
  // Bytes per cached tick: the keys of one more prefix, written once.
  const std::uint64_t before = used_memory(server);
  (void)run_store(server, make_bench_ticks(kAssets * kSources, 1764763200000), 0, "memory");
  const double bytes_per_key =
      static_cast<double>(used_memory(server) - before) / static_cast<double>(kAssets * (kSources + 1));

  const double reference = bench::median(reference_rates);
  std::printf("redis_sink_bench: %s ticks (store), %s (sink, a Kafka backlog) x %d runs, %zu "
              "assets x %zu sources, batches of %zu, 12 partitions, tick JSON %zu bytes, "
              "redis-server appendonly everysec, load %s\n",
              bench::with_commas(count).c_str(), bench::with_commas(sink_count).c_str(), runs,
              kAssets, kSources, kBatch, json.size(), bench::load_average().c_str());
  std::printf("%-62s %12s %8s\n", "path (median of runs)", "ticks/s", "ratio");
  std::printf("%-62s %12s %8.2f\n", "store: one script call per batch of 1,000 ticks",
              bench::with_commas(static_cast<std::uint64_t>(bench::median(batch_rates))).c_str(),
              bench::median(batch_rates) / reference);
  std::printf("%-62s %12s %8.2f\n", "store: one call per tick, pipelined 1,000 (--ticks-per-call 1)",
              bench::with_commas(static_cast<std::uint64_t>(bench::median(tick_rates))).c_str(),
              bench::median(tick_rates) / reference);
  std::printf("%-62s %12s %8.2f\n", "sink redis: Kafka backlog -> PriceSink -> RedisStore, 2 writers",
              bench::with_commas(static_cast<std::uint64_t>(bench::median(sink_rates))).c_str(),
              bench::median(sink_rates) / reference);
  std::printf("%-62s %12s %8.2f\n", "reference: redis-benchmark -c 1 -P 1000 EVALSHA, 1 tick/call",
              bench::with_commas(static_cast<std::uint64_t>(reference)).c_str(), 1.0);
  std::printf("Redis memory per cached tick (hash of 8 fields, used_memory delta): %.0f bytes\n",
              bytes_per_key);
  return 0;
}
