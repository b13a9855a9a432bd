// latency_bench: produce-to-row latency of the PostgreSQL sink at a paced rate, beside the
// reference measured in the same run: produce-to-consume latency of Kafka alone (a plain
// kafka::Consumer on the same embedded cluster, same producer, same pace), so the ratio and
// the difference are what the sink and the database add.
//
//   latency_bench [--rate R] [--seconds S] [--batch-timeout-ms T] [--warmup-seconds W]
//
// Conditions (printed in the header): R = 10,000 transfers/s for S = 10 s (paced; each
// message's send time is taken just before Producer::produce), producer linger.ms 1, lz4,
// acks=all, idempotent; embedded cluster of 3 brokers in this process, one 12-partition
// topic read at the same time by both consumers, each in its own group with
// fetch.wait.max.ms 10 (so both figures come from the same messages under the same load,
// which on a shared 2-core machine moves within seconds). The sink is the real TransferSink
// (batch 5,000 rows or T = 20 ms, whichever comes first) into a throwaway PostgreSQL with
// default settings, through PostgresStore as `tokenflow sink postgres` configures it (binary
// COPY, synchronous_commit off; the positions commit with the rows).
//
// How latency is measured, exactly and without polling the database:
// - Every message's send time is recorded by its sequence number; the producer's delivery
//   reports map each sequence number to the partition and offset Kafka gave it.
// - Kafka alone: the consumer thread records when poll() returned each partition/offset.
// - Sink: the store the sink writes through is PostgresStore wrapped by the bench; when a
//   batch's write() returns (its COMMIT has been answered, so its rows are visible to every
//   reader) the wrapper records the time and the next offsets the batch stored. A message
//   p@o is in the database from the first commit whose next offset for p exceeds o. This is
//   an upper bound of visibility by one server round trip.
// The first W = 1 s of messages (connection and metadata warm-up) are left out of both
// figures. Checked before printing: every message sent was delivered, consumed
// (reference) or stored (sink) exactly once: count(*) == count(DISTINCT id) == messages sent.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "forwarding_store.hpp"
#include "codec/transfer_encoder.hpp"
#include "core/stop_signal.hpp"
#include "core/token_registry.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "sinks/postgres_store.hpp"
#include "sinks/event_sink.hpp"
#include "sources/chain_simulator.hpp"
#include "support/postgres_server.hpp"

namespace {

using tokenflow::bench::load_average;
using tokenflow::bench::LatencyStats;
using tokenflow::bench::summarize;

using tokenflow::core::Transfer;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 12;
constexpr double kTargetP99Ms = 50;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "latency_bench: FAILED: %s\n", what.c_str());
  std::exit(1);
}

struct Options {
  double rate = 10'000;
  double seconds = 10;
  int batch_timeout_ms = 20;
  double warmup_seconds = 1;
  int fetch_wait_max_ms = 10;
  int linger_ms = 1;
  std::size_t writers = tokenflow::sinks::SinkOptions{}.writers;
  std::map<std::string, std::string> pg_settings;  // on top of Debian's defaults
  bool print_pg_log = false;
  std::size_t slowest = 0;  // print this many of the slowest writes, with when they ended
};

struct Messages {
  std::vector<std::string> keys;
  std::vector<std::string> payloads;
};

Messages make_messages(std::size_t n) {
  const auto registry = tokenflow::core::TokenRegistry::builtin();
  tokenflow::sources::ChainSimulator simulator(registry, tokenflow::sources::SimulatorOptions{});
  Messages m;
  Transfer t;
  char key[tokenflow::core::Address::kTextSize];
  for (std::size_t i = 0; i < n; ++i) {
    simulator.next(t);
    t.contract_address.write_hex(key);
    m.keys.emplace_back(key, sizeof key);
    m.payloads.push_back(tokenflow::codec::encode_transfer(t));
  }
  return m;
}

// What the paced producer saw: send time and Kafka position of every message.
struct Sent {
  std::vector<Clock::time_point> at;
  std::vector<std::int32_t> partition;
  std::vector<std::int64_t> offset;
  std::uint64_t failed = 0;
  Clock::time_point started;
  double seconds = 0;
};

// Publishes messages[0, n) at `rate`/s from this thread and waits for every delivery report.
Sent produce_paced(const tokenflow::kafka::ClientConfig& client, const std::string& topic,
                   const Messages& m, const Options& o) {
  const std::size_t n = m.payloads.size();
  Sent sent;
  sent.at.resize(n);
  sent.partition.assign(n, -1);
  sent.offset.assign(n, -1);
  tokenflow::kafka::ProducerOptions options;
  options.linger_ms = o.linger_ms;
  options.client_id = "latency-bench-producer";
  options.on_delivery = [&sent](const tokenflow::kafka::DeliveryReport& report) {
    if (!report.ok()) {
      ++sent.failed;
      return;
    }
    sent.partition[report.tag] = report.partition.value;
    sent.offset[report.tag] = report.offset.value;
  };
  auto producer = tokenflow::kafka::Producer::create(client, options);
  if (!producer.ok()) fail(producer.error().message);
  sent.started = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto due =
        sent.started + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(static_cast<double>(i) / o.rate));
    if (auto now = Clock::now(); due > now) std::this_thread::sleep_for(due - now);
    sent.at[i] = Clock::now();
    auto produced = (*producer)->produce(topic, m.keys[i], m.payloads[i], {}, i);
    if (!produced.ok()) fail("produce: " + produced.error().message);
  }
  sent.seconds = std::chrono::duration<double>(Clock::now() - sent.started).count();
  if (auto flushed = (*producer)->flush(std::chrono::seconds(60)); !flushed.ok()) {
    fail("flush: " + flushed.error().message);
  }
  (*producer).reset();  // no delivery report may arrive after this
  if (sent.failed != 0) fail(std::to_string(sent.failed) + " messages not delivered");
  for (std::size_t i = 0; i < n; ++i) {
    if (sent.offset[i] < 0) fail("message " + std::to_string(i) + " has no delivery report");
  }
  return sent;
}

bool counted(const Sent& sent, std::size_t i, const Options& o) {
  return std::chrono::duration<double>(sent.at[i] - sent.started).count() >= o.warmup_seconds;
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// --- The two readers of one stream -------------------------------------------------------

class AssignmentFlag final : public tokenflow::kafka::RebalanceListener {
 public:
  tokenflow::core::Positions on_assigned(const tokenflow::kafka::TopicPartitions& p) override {
    assigned_.fetch_add(p.size(), std::memory_order_release);
    return {};
  }
  void on_revoked(const tokenflow::kafka::TopicPartitions&) override {}
  std::size_t assigned() const { return assigned_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::size_t> assigned_{0};
};

// PostgresStore as the sink sees it, recording when each batch's transaction was committed
// and which next offsets it stored (written by the sink's thread, read after it ended).
// What every session of the sink committed, and when (shared by the sink's stores).
class CommitLog {
 public:
  struct Commit {
    Clock::time_point at;
    tokenflow::core::Positions positions;
    std::size_t rows;
    double write_ms;  // how long write() (COPY, positions, its turn, COMMIT) took
  };
  CommitLog() { commits_.reserve(100'000); }
  void add(Commit commit) {
    std::lock_guard lock(mutex_);
    commits_.push_back(std::move(commit));
  }
  void note_assigned(std::size_t n) { assigned_.fetch_add(n, std::memory_order_release); }
  std::size_t assigned() const { return assigned_.load(std::memory_order_acquire); }
  // Read after the sink has stopped.
  const std::vector<Commit>& commits() const { return commits_; }

 private:
  std::mutex mutex_;
  std::vector<Commit> commits_;
  std::atomic<std::size_t> assigned_{0};
};

// PostgresStore timed: one per session the sink opens.
class TimedStore final : public tokenflow::bench::ForwardingStore<Transfer> {
 public:
  TimedStore(std::unique_ptr<tokenflow::sinks::BatchStore> inner, CommitLog& log)
      : ForwardingStore<Transfer>(std::move(inner)), log_(log) {}
  tokenflow::core::Result<tokenflow::core::Positions> load_positions(
      const std::string& topic,
      const std::vector<tokenflow::core::Partition>& partitions) override {
    auto answer = ForwardingStore<Transfer>::load_positions(topic, partitions);
    log_.note_assigned(partitions.size());
    return answer;
  }
  using ForwardingStore<Transfer>::write;
  tokenflow::core::Result<std::size_t> write(std::span<const Transfer> rows,
                                             const tokenflow::core::Positions& positions,
                                             const tokenflow::sinks::CommitGate& gate) override {
    const auto start = Clock::now();
    auto written = ForwardingStore<Transfer>::write(rows, positions, gate);
    const auto end = Clock::now();
    if (written.ok()) log_.add({end, positions, rows.size(), ms_between(start, end)});
    return written;
  }

 private:
  CommitLog& log_;
};

struct Results {
  LatencyStats kafka;     // produce -> consumed by the plain consumer
  LatencyStats sink;      // produce -> committed by the sink
  LatencyStats write_ms;  // PostgresStore::write per batch
  std::size_t batches = 0;
  double mean_batch = 0;
  double send_rate = 0;
  std::string slowest_writes;  // when asked: "<ms> at <s into the run>, ..."
};

std::uint64_t number(const tokenflow::testing::PostgresServer& server, const std::string& sql) {
  auto rows = server.query(sql);
  if (rows.empty() || rows[0].empty()) fail("no answer to " + sql);
  return std::stoull(rows[0][0]);
}

// One paced stream, read at the same time by a plain consumer (the reference) and by the
// sink, each in its own consumer group: both see the same messages under the same load.
Results measure(tokenflow::kafka::EmbeddedCluster& cluster,
                const tokenflow::testing::PostgresServer& server, const Messages& m,
                const Options& o) {
  const std::size_t n = m.payloads.size();
  const std::string topic = "latency-bench";
  if (auto t = cluster.create_topic(topic, kPartitions); !t.ok()) fail(t.error().message);
  if (auto t = cluster.create_topic("tokenflow.dlq", 3); !t.ok()) fail(t.error().message);
  const auto client = cluster.client_config();

  // The sink, through PostgresStore as `tokenflow sink postgres` configures it.
  tokenflow::sinks::PostgresStoreOptions store_options;
  store_options.url = server.url();
  store_options.copy_format = tokenflow::sinks::CopyFormat::binary;
  store_options.synchronous_commit = tokenflow::sinks::SynchronousCommit::off;
  {
    tokenflow::sinks::PostgresStore store(store_options);
    if (auto r = store.connect(); !r.ok()) fail(r.error().message);
    if (auto r = store.init_schema(); !r.ok()) fail(r.error().message);
  }
  CommitLog timed;
  auto make_store = [&]() -> std::unique_ptr<tokenflow::sinks::BatchStore> {
    return std::make_unique<TimedStore>(
        std::make_unique<tokenflow::sinks::PostgresStore>(store_options), timed);
  };
  auto dlq = tokenflow::kafka::Producer::create(client, tokenflow::kafka::ProducerOptions{});
  if (!dlq.ok()) fail(dlq.error().message);
  tokenflow::sinks::SinkOptions sink_options;
  sink_options.topic = topic;
  sink_options.batch_size = 5000;
  sink_options.batch_timeout = std::chrono::milliseconds(o.batch_timeout_ms);
  sink_options.max_records = n;
  sink_options.log_batches = false;
  sink_options.writers = o.writers;
  tokenflow::kafka::ConsumerOptions sink_consumer;
  sink_consumer.group_id = "latency-bench-sink";
  sink_consumer.topics = {topic};
  sink_consumer.fetch_wait_max_ms = o.fetch_wait_max_ms;
  sink_consumer.client_id = "latency-bench-sink";
  tokenflow::sinks::TransferSink sink(sink_options, client, sink_consumer, make_store, **dlq);

  // The reference: a plain consumer, same settings, nothing done with the messages.
  AssignmentFlag listener;
  tokenflow::kafka::ConsumerOptions plain_options;
  plain_options.group_id = "latency-bench-kafka";
  plain_options.topics = {topic};
  plain_options.fetch_wait_max_ms = o.fetch_wait_max_ms;
  plain_options.client_id = "latency-bench-consumer";
  auto consumer = tokenflow::kafka::Consumer::create(client, plain_options, &listener);
  if (!consumer.ok()) fail(consumer.error().message);
  struct Received {
    std::int32_t partition;
    std::int64_t offset;
    Clock::time_point at;
  };
  std::vector<Received> received;
  received.reserve(n);
  std::atomic<std::size_t> received_count{0};
  std::uint64_t errors = 0;

  tokenflow::core::StopSignal stop;
  std::thread reader_thread([&] {
    while (!stop.requested()) {
      auto message = (*consumer)->poll(std::chrono::milliseconds(50));
      if (!message) continue;
      const auto now = Clock::now();
      if (message->is_error()) {
        ++errors;
        continue;
      }
      received.push_back({message->partition().value, message->offset().value, now});
      received_count.store(received.size(), std::memory_order_release);
    }
    (void)(*consumer)->close();
  });
  std::atomic<bool> sink_finished{false};
  tokenflow::core::Result<void> outcome = tokenflow::core::success();
  std::thread sink_thread([&] {
    outcome = sink.run(stop);
    sink_finished.store(true, std::memory_order_release);
  });
  auto give_up = [&](const std::string& why) {
    stop.request();
    reader_thread.join();
    sink_thread.join();
    fail(why + (outcome.ok() ? std::string() : ": the sink said " + outcome.error().message));
  };

  const auto kPartitionCount = static_cast<std::size_t>(kPartitions);
  const auto join_deadline = Clock::now() + std::chrono::seconds(60);
  while (listener.assigned() < kPartitionCount || timed.assigned() < kPartitionCount) {
    if (sink_finished.load() || Clock::now() > join_deadline) {
      give_up("the consumers were not assigned their partitions in 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Let the assignments' offset lookups and first fetches settle before the clock matters.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  const Sent sent = produce_paced(client, topic, m, o);
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (received_count.load(std::memory_order_acquire) < n ||
         !sink_finished.load(std::memory_order_acquire)) {
    if (Clock::now() > deadline) give_up("not every message was read within 120 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop.request();
  reader_thread.join();
  sink_thread.join();
  if (!outcome.ok()) fail("the sink failed: " + outcome.error().message);

  // The answers first: the plain consumer got every message once; the sink stored every
  // message once and dead-lettered none.
  std::map<std::pair<std::int32_t, std::int64_t>, Clock::time_point> consumed_at;
  for (const auto& r : received) {
    if (!consumed_at.emplace(std::make_pair(r.partition, r.offset), r.at).second) {
      fail("the plain consumer got " + std::to_string(r.partition) + "@" +
           std::to_string(r.offset) + " twice");
    }
  }
  if (consumed_at.size() != n || errors != 0) {
    fail("the plain consumer got " + std::to_string(consumed_at.size()) + " of " +
         std::to_string(n) + " messages (" + std::to_string(errors) + " errors)");
  }
  const std::uint64_t rows = number(server, "SELECT count(*) FROM raw.transfers_kafka");
  const std::uint64_t ids = number(server, "SELECT count(DISTINCT id) FROM raw.transfers_kafka");
  if (rows != n || ids != rows || sink.probe().dead_letters.get() != 0) {
    fail("the sink stored " + std::to_string(rows) + " rows, " + std::to_string(ids) +
         " distinct ids, " + std::to_string(sink.probe().dead_letters.get()) +
         " dead letters; expected " + std::to_string(n) + " rows");
  }

  // Per partition, the sink's commits in order with the next offset each left stored.
  std::vector<std::vector<std::pair<std::int64_t, Clock::time_point>>> committed(kPartitionCount);
  std::size_t batch_rows = 0;
  std::vector<double> write_ms;
  for (const auto& c : timed.commits()) {
    batch_rows += c.rows;
    write_ms.push_back(c.write_ms);
    for (const auto& p : c.positions) {
      if (p.topic != topic) continue;
      auto& list = committed[static_cast<std::size_t>(p.partition.value)];
      if (list.empty() || p.next_offset.value > list.back().first) {
        list.emplace_back(p.next_offset.value, c.at);
      }
    }
  }
  std::vector<double> kafka_ms;
  std::vector<double> sink_ms;
  for (std::size_t i = 0; i < n; ++i) {
    auto consumed = consumed_at.find({sent.partition[i], sent.offset[i]});
    if (consumed == consumed_at.end()) fail("message " + std::to_string(i) + " was not consumed");
    const auto& list = committed[static_cast<std::size_t>(sent.partition[i])];
    auto stored = std::upper_bound(
        list.begin(), list.end(), sent.offset[i],
        [](std::int64_t offset, const auto& entry) { return offset < entry.first; });
    if (stored == list.end()) fail("message " + std::to_string(i) + " is in no committed batch");
    if (!counted(sent, i, o)) continue;
    kafka_ms.push_back(ms_between(sent.at[i], consumed->second));
    sink_ms.push_back(ms_between(sent.at[i], stored->second));
  }
  Results r;
  r.kafka = summarize(std::move(kafka_ms));
  r.sink = summarize(std::move(sink_ms));
  r.write_ms = summarize(std::move(write_ms));
  if (o.slowest > 0) {
    // When the slowest writes happened tells a stall of the whole machine or server (all at
    // once) from contention spread over the run.
    std::vector<const CommitLog::Commit*> by_duration;
    for (const auto& c : timed.commits()) by_duration.push_back(&c);
    const auto shown = std::min(o.slowest, by_duration.size());
    std::partial_sort(by_duration.begin(), by_duration.begin() + static_cast<long>(shown),
                      by_duration.end(),
                      [](const auto* a, const auto* b) { return a->write_ms > b->write_ms; });
    for (std::size_t k = 0; k < shown; ++k) {
      char line[96];
      std::snprintf(line, sizeof line, "%s%.1f ms ending %.2f s in (%zu rows)", k ? ", " : "",
                    by_duration[k]->write_ms,
                    std::chrono::duration<double>(by_duration[k]->at - sent.started).count(),
                    by_duration[k]->rows);
      r.slowest_writes += line;
    }
  }
  r.batches = timed.commits().size();
  r.mean_batch = r.batches ? static_cast<double>(batch_rows) / static_cast<double>(r.batches) : 0;
  r.send_rate = static_cast<double>(n) / sent.seconds;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rate" && i + 1 < argc) {
      o.rate = std::stod(argv[++i]);
    } else if (arg == "--seconds" && i + 1 < argc) {
      o.seconds = std::stod(argv[++i]);
    } else if (arg == "--batch-timeout-ms" && i + 1 < argc) {
      o.batch_timeout_ms = std::stoi(argv[++i]);
    } else if (arg == "--warmup-seconds" && i + 1 < argc) {
      o.warmup_seconds = std::stod(argv[++i]);
    } else if (arg == "--slowest" && i + 1 < argc) {
      o.slowest = std::stoul(argv[++i]);
    } else if (arg == "--pg-log") {
      o.print_pg_log = true;
    } else if (arg == "--writers" && i + 1 < argc) {
      o.writers = std::stoul(argv[++i]);
    } else if (const std::string setting = i + 1 < argc ? argv[i + 1] : "";
               arg == "--pg-setting" && setting.find('=') != std::string::npos) {
      o.pg_settings[setting.substr(0, setting.find('='))] = setting.substr(setting.find('=') + 1);
      ++i;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--rate R] [--seconds S] [--batch-timeout-ms T] "
                   "[--warmup-seconds W] [--writers N] [--pg-setting name=value]... [--pg-log] [--slowest N]\n"
                   "  --writers: the sink's database sessions (default %zu)\n"
                   "  --pg-setting: a PostgreSQL server setting on top of Debian's defaults "
                   "(repeatable), printed in the header\n"
                   "  --pg-log: the server's log on stderr at the end (with --pg-setting "
                   "log_min_duration_statement=50, the slow statements)\n"
                   "  --slowest N: the N slowest batch writes and when they ended\n",
                   argv[0], tokenflow::sinks::SinkOptions{}.writers);
      return 2;
    }
  }
  if (o.rate <= 0 || o.seconds <= 0 || o.batch_timeout_ms < 1 || o.warmup_seconds >= o.seconds) {
    fail("--rate, --seconds and --batch-timeout-ms must be positive, warm-up shorter than the run");
  }
  spdlog::set_level(spdlog::level::warn);
  const std::string load_at_start = load_average();

  const auto n = static_cast<std::size_t>(o.rate * o.seconds);
  const Messages messages = make_messages(n);
  tokenflow::testing::PostgresServerOptions server_options;  // Debian's defaults, unless
  server_options.settings = o.pg_settings;
  tokenflow::testing::PostgresServer server(server_options);
  auto cluster = tokenflow::kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail(cluster.error().message);

  const Results r = measure(**cluster, server, messages, o);
  if (o.print_pg_log) std::fprintf(stderr, "%s", server.log().c_str());

  std::printf(
      "\nlatency_bench: produce -> row committed in PostgreSQL vs produce -> consumed "
      "from Kafka alone, one stream read by both at once\n");
  std::printf("machine load average (1/5/15 min): %s at start, %s at end\n", load_at_start.c_str(),
              load_average().c_str());
  std::printf(
      "load: %.0f simulator transfers/s for %.0f s (%zu messages, sent at %.0f/s), "
      "paced; the first %.0f s left out of the figures (%zu messages counted)\n",
      o.rate, o.seconds, n, r.send_rate, o.warmup_seconds, r.kafka.count);
  std::printf(
      "kafka: embedded cluster in this process, 3 brokers, one topic of %d partitions; "
      "producer linger.ms %d, lz4, acks=all, idempotent; both consumer groups "
      "fetch.wait.max.ms %d\n",
      kPartitions, o.linger_ms, o.fetch_wait_max_ms);
  std::string settings = "default settings";
  for (const auto& [name, value] : o.pg_settings) settings += ", " + name + "=" + value;
  std::printf(
      "sink: TransferSink, batch 5000 rows or %d ms, %zu writer session(s); PostgresStore "
      "binary COPY, synchronous_commit off; PostgreSQL %s, %s\n",
      o.batch_timeout_ms, o.writers, server.query("SHOW server_version")[0][0].c_str(),
      settings.c_str());
  std::printf(
      "measured: send time (before produce) to poll() returning the message (reference, "
      "a plain consumer) / to the return of the COMMIT that stored it (sink)\n");
  std::printf(
      "checked: every message delivered, consumed exactly once by the reference, stored "
      "exactly once by the sink (count(*) == count(DISTINCT id) == %zu)\n\n",
      n);
  std::printf("%-42s %8s %8s %8s %8s %8s %8s\n", "path", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
              "max ms", "mean ms");
  auto row = [](const char* name, const LatencyStats& s) {
    std::printf("%-42s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n", name, s.p50, s.p90, s.p99, s.p999,
                s.max, s.mean);
  };
  row("reference: Kafka alone (produce->consume)", r.kafka);
  row("sink: produce -> row committed", r.sink);
  std::printf("%-42s %7.1fx %7.1fx %7.1fx %7.1fx %7.1fx %7.1fx\n", "ratio sink / reference",
              r.sink.p50 / r.kafka.p50, r.sink.p90 / r.kafka.p90, r.sink.p99 / r.kafka.p99,
              r.sink.p999 / r.kafka.p999, r.sink.max / r.kafka.max, r.sink.mean / r.kafka.mean);
  std::printf("%-42s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n", "added by the sink (ms)",
              r.sink.p50 - r.kafka.p50, r.sink.p90 - r.kafka.p90, r.sink.p99 - r.kafka.p99,
              r.sink.p999 - r.kafka.p999, r.sink.max - r.kafka.max, r.sink.mean - r.kafka.mean);
  std::printf(
      "\nsink batches: %zu, %.0f rows on average (a batch closes at 5000 rows or %d ms "
      "after its first message); PostgresStore::write per batch: p50 %.1f ms, p99 %.1f "
      "ms, max %.1f ms\n",
      r.batches, r.mean_batch, o.batch_timeout_ms, r.write_ms.p50, r.write_ms.p99, r.write_ms.max);
  if (!r.slowest_writes.empty()) std::printf("slowest writes: %s\n", r.slowest_writes.c_str());
  std::printf("target: sink p99 < %.0f ms: %.1f ms -> %s\n", kTargetP99Ms, r.sink.p99,
              r.sink.p99 < kTargetP99Ms ? "met" : "NOT met");
  return 0;
}
