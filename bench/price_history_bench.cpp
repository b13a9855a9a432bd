// price_history_bench: price ticks into raw.price_history (`sink postgres --events prices`)
// beside the reference measured in the same run on the same server: a plain
// `COPY raw.price_history FROM STDIN` (text, one session, libpq) of the same rows, encoded
// beforehand, into the same indexed table.
//
//   price_history_bench [--rows N] [--runs R]
//
// Measured, each right after its own reference COPY (the machine's load drifts):
// - store: PriceHistoryStore::write in batches of 5,000 with the positions, as the sink's
//   writers call it (encode, COPY, positions, commit): the database side alone;
// - sink: the whole of `sink postgres --events prices` in this process: a backlog of every
//   tick in the embedded cluster's market.prices (12 partitions, keyed by asset), the real
//   PriceSink consuming, decoding, batching and writing it. The clock runs from its first
//   consumed message to its last row committed (its group join is not counted).
// Ticks: PriceWalk's, the registry's 17 tokens from 3 simulated sources, simulated
// timestamps (every tick distinct). Checked before a figure is printed: count(*) and
// count(DISTINCT key) equal the rows, the positions sum to the rows (sink).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "drain_clock.hpp"
#include "codec/price_tick_encoder.hpp"
#include "sink_measurement.hpp"
#include "sinks/price_history_encoder.hpp"
#include "sources/price_walk.hpp"

using namespace tokenflow::bench;
using tokenflow::core::PriceTick;

namespace {

constexpr const char* kCopyPrices =
    "COPY raw.price_history (asset, source, \"timestamp\", price_usd, symbol, volume_24h_usd, "
    "change_24h_pct, liquidity_usd) FROM STDIN";
constexpr std::size_t kBatch = 5000;
constexpr int kPricePartitions = 12;

std::vector<PriceTick> make_ticks(std::size_t n) {
  auto registry = tokenflow::core::TokenRegistry::builtin();
  tokenflow::sources::PriceWalk walk(registry, tokenflow::sources::PriceWalkOptions{});
  std::vector<PriceTick> ticks(n);
  for (auto& tick : ticks) walk.next(tick);
  return ticks;
}

void reset(Connection& c) {
  c.value("TRUNCATE raw.price_history");
  c.value("DELETE FROM raw.tokenflow_offsets");
  c.value("CHECKPOINT");
}

void check(Connection& c, std::size_t rows, const std::string& what) {
  const auto stored = c.number("SELECT count(*) FROM raw.price_history");
  const auto distinct = c.number(
      "SELECT count(*) FROM (SELECT DISTINCT asset, source, \"timestamp\" FROM raw.price_history) d");
  if (stored != rows || distinct != rows) {
    fail(what + ": " + std::to_string(stored) + " rows (" + std::to_string(distinct) +
         " distinct), expected " + std::to_string(rows));
  }
}

double reference_copy(Connection& c, std::string_view data, std::size_t rows) {
  reset(c);
  const auto start = Clock::now();
  copy_text(c, kCopyPrices, data);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  check(c, rows, "reference COPY");
  return seconds;
}

double store_write(Connection& c, const std::string& url, const std::vector<PriceTick>& ticks) {
  reset(c);
  tokenflow::sinks::PostgresStoreOptions options;
  options.url = url;
  options.table = "price_history";
  tokenflow::sinks::PriceHistoryStore store(options);
  if (auto r = store.connect(); !r.ok()) fail(r.error().message);
  const auto start = Clock::now();
  for (std::size_t at = 0; at < ticks.size(); at += kBatch) {
    const std::size_t n = std::min(kBatch, ticks.size() - at);
    tokenflow::core::Positions positions{
        {"market.prices", tokenflow::core::Partition{0},
         tokenflow::core::Offset{static_cast<std::int64_t>(at + n)}}};
    auto written = store.write(std::span<const PriceTick>(ticks.data() + at, n), positions);
    if (!written.ok()) fail("store write: " + written.error().message);
    if (*written != n) fail("store write: " + std::to_string(*written) + " new of " + std::to_string(n));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  check(c, ticks.size(), "store write");
  return seconds;
}

double whole_sink(Connection& c, const std::string& url, const std::vector<PriceTick>& ticks,
                  int number) {
  reset(c);
  auto cluster = tokenflow::kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail(cluster.error().message);
  const std::string topic = "market.prices";
  if (auto r = (*cluster)->create_topic(topic, kPricePartitions); !r.ok()) fail(r.error().message);
  const auto client = (*cluster)->client_config();
  {
    tokenflow::kafka::ProducerOptions options;
    options.client_id = "price-history-bench-producer";
    auto producer = tokenflow::kafka::Producer::create(client, options);
    if (!producer.ok()) fail(producer.error().message);
    std::string payload;
    for (const auto& tick : ticks) {
      payload.clear();
      tokenflow::codec::encode_price_tick(tick, payload);
      if (auto r = (*producer)->produce(topic, tick.asset, payload); !r.ok()) fail(r.error().message);
    }
    if (auto r = (*producer)->flush(std::chrono::seconds(60)); !r.ok()) fail(r.error().message);
  }
  auto dlq = tokenflow::kafka::Producer::create(client, tokenflow::kafka::ProducerOptions{});
  if (!dlq.ok()) fail(dlq.error().message);
  tokenflow::sinks::SinkOptions sink_options;
  sink_options.topic = topic;
  sink_options.max_records = ticks.size();
  sink_options.log_batches = false;
  tokenflow::kafka::ConsumerOptions consumer;
  consumer.group_id = "price-history-bench-" + std::to_string(number);
  consumer.topics = {topic};
  tokenflow::sinks::PostgresStoreOptions options;
  options.url = url;
  options.table = "price_history";
  tokenflow::sinks::PriceSink sink(
      sink_options, client, consumer,
      [options]() -> std::unique_ptr<tokenflow::sinks::PriceBatchStore> {
        return std::make_unique<tokenflow::sinks::PriceHistoryStore>(options);
      },
      **dlq);
  const double seconds = time_drain(sink, "sink");
  check(c, ticks.size(), "sink");
  const auto positions = c.number(
      "SELECT coalesce(sum(next_offset), 0) FROM raw.tokenflow_offsets WHERE target_table = 'raw.price_history'");
  if (positions != ticks.size()) fail("sink: positions sum to " + std::to_string(positions));
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 200'000;
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc) rows = std::stoul(argv[++i]);
    else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::stoi(argv[++i]);
    else fail(std::string("usage: price_history_bench [--rows N] [--runs R]; unknown ") + argv[i]);
  }
  spdlog::set_level(spdlog::level::warn);
  const auto ticks = make_ticks(rows);
  tokenflow::sinks::PriceHistoryEncoder encoder(tokenflow::sinks::CopyFormat::text);
  encoder.begin();
  std::size_t wire_bytes = 0;
  std::string payload;
  for (const auto& tick : ticks) {
    if (auto r = encoder.append(tick); !r.ok()) fail(r.error().message);
    payload.clear();
    tokenflow::codec::encode_price_tick(tick, payload);
    wire_bytes += payload.size();
  }
  const std::string copy_data(encoder.pending());

  SinkDatabase db;  // its init_schema made the transfers' table; the prices' one next
  {
    tokenflow::sinks::PostgresStoreOptions options;
    options.url = db.url();
    options.table = "price_history";
    tokenflow::sinks::PriceHistoryStore store(options);
    if (auto r = store.connect(); !r.ok()) fail(r.error().message);
    if (auto r = store.init_schema(); !r.ok()) fail(r.error().message);
    db.admin().value("ALTER TABLE raw.price_history SET (autovacuum_enabled = false)");
  }

  std::vector<double> ref_store, store_rate, ref_sink, sink_rate;
  for (int run = 0; run < runs; ++run) {
    const double r1 = reference_copy(db.admin(), copy_data, rows);
    const double s = store_write(db.admin(), db.url(), ticks);
    const double r2 = reference_copy(db.admin(), copy_data, rows);
    const double k = whole_sink(db.admin(), db.url(), ticks, run);
    ref_store.push_back(static_cast<double>(rows) / r1);
    store_rate.push_back(static_cast<double>(rows) / s);
    ref_sink.push_back(static_cast<double>(rows) / r2);
    sink_rate.push_back(static_cast<double>(rows) / k);
  }
  const double ref_a = median(ref_store), ref_b = median(ref_sink);
  const double store_m = median(store_rate), sink_m = median(sink_rate);
  std::printf("price_history_bench: %s ticks (17 tokens x 3 sources), %d run(s), medians; load %s\n",
              with_commas(rows).c_str(), runs, load_average().c_str());
  std::printf("  %-44s %12s %14s %8s\n", "measurement", "rows/s", "reference/s", "ratio");
  std::printf("  %-44s %12s %14s %7.0f%%\n", "store write (batches of 5,000, positions)",
              with_commas(static_cast<std::uint64_t>(store_m)).c_str(),
              with_commas(static_cast<std::uint64_t>(ref_a)).c_str(), 100 * store_m / ref_a);
  std::printf("  %-44s %12s %14s %7.0f%%\n", "sink postgres --events prices (Kafka backlog)",
              with_commas(static_cast<std::uint64_t>(sink_m)).c_str(),
              with_commas(static_cast<std::uint64_t>(ref_b)).c_str(), 100 * sink_m / ref_b);
  std::printf("  reference: plain COPY (text, one session) of the same rows; bytes per tick: "
              "%zu on the wire (JSON), %zu in COPY text\n",
              wire_bytes / rows, copy_data.size() / rows);
  return 0;
}
