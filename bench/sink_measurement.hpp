// What sink_bench and seed_consumers_bench share: the rows (simulator transfers in every form
// the measurements need, made before any clock runs), the checks of the table, the
// reference COPY and one measured run of the real TransferSink over Kafka into PostgreSQL.
//
// Each benchmark is one translation unit, so everything here is inline; the threads and the
// lifecycle of a run are run_sink's (a sink thread, the caller producing and watching).
#pragma once

#include <dirent.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
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
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "sinks/copy_encoder.hpp"
#include "sinks/postgres_store.hpp"
#include "sinks/event_sink.hpp"
#include "sources/chain_simulator.hpp"
#include "support/child_process.hpp"
#include "support/postgres_server.hpp"

namespace tokenflow::bench {

using tokenflow::core::Transfer;
using tokenflow::sinks::CopyFormat;
using tokenflow::sinks::SynchronousCommit;
using tokenflow::testing::process_cpu_seconds;
using tokenflow::testing::self_cpu_seconds;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 12;
// A backlog of every row, produced before the sink starts, fits the embedded cluster's 5 MiB
// per partition only spread over many partitions, in runs of kBacklogRun consecutive rows
// (keyed by contract, USDT's partition alone would hold ~40% of the rows). Runs keep the
// message sets large: the embedded cluster answers a fetch with one message set per partition.
constexpr int kBacklogPartitions = 48;
constexpr std::size_t kBacklogRun = 2000;
// Messages the producer may run ahead of the sink. Keys are contracts and USDT/USDC carry
// most transfers, so one partition can hold ~40% of them: 50,000 keeps that partition's
// unread data near 20,000 messages (~2-3 MiB compressed), inside the cluster's 5 MiB.
constexpr std::uint64_t kWindow = 50'000;
const char* const kDeadLetterTopic = "tokenflow.dlq";

struct Checksum {
  std::uint64_t rows = 0;
  std::uint64_t block_sum = 0;
  std::uint64_t value_mod_sum = 0;  // sum of (value mod 10^9)
  bool operator==(const Checksum&) const = default;
};

// The rows, in every form the measurements need, made before any clock runs.
struct Dataset {
  std::string keys;                  // 42 bytes per row
  std::string json;                  // the Kafka payloads, back to back
  std::vector<std::size_t> json_at;  // row i is json[json_at[i], json_at[i+1])
  std::string copy_text;             // COPY text format, one line per row
  std::vector<std::size_t> copy_at;  // bytes of copy_text holding the first k rows, k = index
  std::vector<Checksum> sums;        // checksum of the first k rows, for the sizes asked
  std::vector<std::size_t> sum_at;
  double mean_json_bytes = 0;

  std::string_view key(std::size_t i) const {
    return {keys.data() + i * tokenflow::core::Address::kTextSize,
            tokenflow::core::Address::kTextSize};
  }
  std::string_view payload(std::size_t i) const {
    return {json.data() + json_at[i], json_at[i + 1] - json_at[i]};
  }
  std::string_view copy_prefix(std::size_t rows) const {
    for (std::size_t k = 0; k < sum_at.size(); ++k) {
      if (sum_at[k] == rows) return {copy_text.data(), copy_at[k]};
    }
    fail("no COPY prefix of " + std::to_string(rows) + " rows");
  }
  const Checksum& checksum(std::size_t rows) const {
    for (std::size_t k = 0; k < sum_at.size(); ++k) {
      if (sum_at[k] == rows) return sums[k];
    }
    fail("no checksum of " + std::to_string(rows) + " rows");
  }
};

inline Dataset make_dataset(std::size_t n, std::vector<std::size_t> prefixes) {
  const auto registry = tokenflow::core::TokenRegistry::builtin();
  tokenflow::sources::ChainSimulator simulator(registry, tokenflow::sources::SimulatorOptions{});
  Dataset d;
  d.keys.reserve(n * tokenflow::core::Address::kTextSize);
  d.json.reserve(n * 340);
  d.json_at.reserve(n + 1);
  d.copy_text.reserve(n * 280);
  tokenflow::sinks::CopyEncoder encoder(CopyFormat::text);
  Transfer t;
  std::string json;
  char key[tokenflow::core::Address::kTextSize];
  Checksum sum;
  std::sort(prefixes.begin(), prefixes.end());
  std::size_t next_prefix = 0;
  for (std::size_t i = 0; i < n; ++i) {
    simulator.next(t);
    t.contract_address.write_hex(key);
    d.keys.append(key, sizeof key);
    tokenflow::codec::encode_transfer(t, json);
    d.json_at.push_back(d.json.size());
    d.json += json;
    encoder.begin();
    if (auto a = encoder.append(t); !a.ok()) fail(a.error().message);
    d.copy_text += encoder.pending();
    tokenflow::core::Uint256 rest = t.value;
    sum.value_mod_sum += rest.divmod_u64(1'000'000'000);
    sum.block_sum += t.block_number;
    ++sum.rows;
    while (next_prefix < prefixes.size() && prefixes[next_prefix] == i + 1) {
      d.sums.push_back(sum);
      d.sum_at.push_back(i + 1);
      d.copy_at.push_back(d.copy_text.size());
      ++next_prefix;
    }
  }
  d.json_at.push_back(d.json.size());
  d.mean_json_bytes = static_cast<double>(d.json.size()) / static_cast<double>(n);
  return d;
}

class Connection {
 public:
  explicit Connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) fail(PQerrorMessage(conn_));
  }
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  PGconn* get() const { return conn_; }
  std::string value(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
      std::string message = PQresultErrorMessage(r);
      PQclear(r);
      fail(sql + ": " + message);
    }
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return out;
  }
  std::uint64_t number(const std::string& sql) { return std::stoull(value(sql)); }

 private:
  PGconn* conn_;
};

// A throwaway PostgreSQL server with Debian's defaults (nothing overridden), the sink's table
// and indexes from PostgresStore::init_schema with autovacuum off for the table (a vacuum
// woken by one measurement's rows must not land in the next), a session to check and reset
// it, and the postmaster's pid for the server's CPU. One thread owns it.
class SinkDatabase {
 public:
  SinkDatabase() {
    tokenflow::sinks::PostgresStoreOptions options;
    options.url = server_.url();
    tokenflow::sinks::PostgresStore store(options);
    if (auto r = store.connect(); !r.ok()) fail(r.error().message);
    if (auto r = store.init_schema(); !r.ok()) fail(r.error().message);
    admin_ = std::make_unique<Connection>(server_.url());
    admin_->value("ALTER TABLE raw.transfers_kafka SET (autovacuum_enabled = false)");
    process_cpu_seconds(std::stol(admin_->value("SELECT pg_backend_pid()")), &postmaster_);
  }
  std::string url() const { return server_.url(); }
  Connection& admin() { return *admin_; }
  long postmaster() const { return postmaster_; }

 private:
  tokenflow::testing::PostgresServer server_;
  std::unique_ptr<Connection> admin_;
  long postmaster_ = 0;
};

// Calls `on_process(pid, cpu_seconds)` for the postmaster and every process it started that
// is still running.
template <typename OnProcess>
void for_each_postgres_process(long postmaster, OnProcess&& on_process) {
  on_process(postmaster, process_cpu_seconds(postmaster));
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return;
  while (dirent* entry = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || pid == postmaster) continue;
    long parent = 0;
    const double cpu = process_cpu_seconds(pid, &parent);
    if (parent == postmaster) on_process(pid, cpu);
  }
  closedir(proc);
}

// CPU of the PostgreSQL server: the postmaster and every process it started that is still
// running (sessions that ended take their CPU with them; the ones measured live throughout).
inline double postgres_cpu_seconds(long postmaster) {
  double total = 0;
  for_each_postgres_process(postmaster, [&](long, double cpu) { total += cpu; });
  return total;
}

struct Measurement {
  double seconds = 0;
  double startup = 0;  // sink only: first message produced -> first consumed (not in `seconds`)
  double our_cpu = 0;  // this process: producer, embedded cluster, sink
  double postgres_cpu = 0;  // the server's processes
  std::string note;
};

inline Checksum stored_checksum(Connection& c) {
  Checksum sum;
  sum.rows = c.number("SELECT count(*) FROM raw.transfers_kafka");
  sum.block_sum = c.number("SELECT coalesce(sum(block_number), 0) FROM raw.transfers_kafka");
  sum.value_mod_sum =
      c.number("SELECT coalesce(sum(mod(value, 1000000000)), 0) FROM raw.transfers_kafka");
  return sum;
}

inline void check_table(Connection& c, const Checksum& expected, const std::string& what) {
  const Checksum got = stored_checksum(c);
  const std::uint64_t distinct = c.number("SELECT count(DISTINCT id) FROM raw.transfers_kafka");
  if (!(got == expected) || distinct != expected.rows) {
    fail(what + ": stored " + std::to_string(got.rows) + " rows, " + std::to_string(distinct) +
         " distinct ids (expected " + std::to_string(expected.rows) + " of each), block sum " +
         std::to_string(got.block_sum) + " (expected " + std::to_string(expected.block_sum) +
         "), value sum mod 1e9 " + std::to_string(got.value_mod_sum) + " (expected " +
         std::to_string(expected.value_mod_sum) + ")");
  }
}

// An empty table with every index, and a checkpoint, so each measurement starts alike.
inline void reset_table(Connection& c) {
  c.value("TRUNCATE raw.transfers_kafka");
  c.value("DELETE FROM raw.tokenflow_offsets");
  c.value("VACUUM raw.tokenflow_offsets");
  c.value("CHECKPOINT");
}

// Sends `data` (COPY text rows) through one `copy` statement ("COPY t (...) FROM STDIN") on `c`.
inline void copy_text(Connection& c, const char* copy, std::string_view data) {
  PGresult* r = PQexec(c.get(), copy);
  if (PQresultStatus(r) != PGRES_COPY_IN) fail(PQresultErrorMessage(r));
  PQclear(r);
  for (std::size_t off = 0; off < data.size(); off += 256 * 1024) {
    const std::size_t n = std::min<std::size_t>(256 * 1024, data.size() - off);
    if (PQputCopyData(c.get(), data.data() + off, static_cast<int>(n)) != 1) {
      fail(PQerrorMessage(c.get()));
    }
  }
  if (PQputCopyEnd(c.get(), nullptr) != 1) fail(PQerrorMessage(c.get()));
  while ((r = PQgetResult(c.get())) != nullptr) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(PQresultErrorMessage(r));
    PQclear(r);
  }
}

// Sends `data` (COPY text rows of transfers) into raw.transfers_kafka.
inline void copy_text(Connection& c, std::string_view data) {
  copy_text(c,
            "COPY raw.transfers_kafka (id, block_number, \"timestamp\", contract_address, "
            "from_address, to_address, \"value\") FROM STDIN",
            data);
}

// The reference: COPY of the rows, text format, data encoded beforehand, split at line
// boundaries over `sessions` sessions running at once (BENCHMARKS.md's "two sessions").
inline Measurement reference_copy(Connection& c, const std::string& url, int sessions,
                                  long postmaster, std::string_view data,
                                  const Checksum& expected) {
  reset_table(c);
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  for (int k = 1; k <= sessions; ++k) {
    std::size_t end =
        data.size() * static_cast<std::size_t>(k) / static_cast<std::size_t>(sessions);
    if (k < sessions) end = data.find('\n', end) + 1;
    parts.push_back(data.substr(begin, end - begin));
    begin = end;
  }
  std::vector<std::unique_ptr<Connection>> connections;
  for (int k = 1; k < sessions; ++k) connections.push_back(std::make_unique<Connection>(url));
  Measurement m;
  const double pg0 = postgres_cpu_seconds(postmaster);
  const double self0 = self_cpu_seconds();
  const auto start = Clock::now();
  std::vector<std::thread> others;
  for (int k = 1; k < sessions; ++k) {
    others.emplace_back([&, k] {
      copy_text(*connections[static_cast<std::size_t>(k - 1)], parts[static_cast<std::size_t>(k)]);
    });
  }
  copy_text(c, parts[0]);
  for (auto& t : others) t.join();
  m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  m.our_cpu = self_cpu_seconds() - self0;
  m.postgres_cpu = postgres_cpu_seconds(postmaster) - pg0;
  check_table(c, expected, "reference COPY");
  return m;
}

// PostgresStore as the sink sees it (one per session the sink opens), telling the bench
// when the sink owns its partitions (on assignment the sink asks for its stored positions).
class WatchedStore final : public ForwardingStore<Transfer> {
 public:
  WatchedStore(std::unique_ptr<tokenflow::sinks::PostgresStore> inner,
               std::atomic<std::size_t>& assigned)
      : ForwardingStore<Transfer>(std::move(inner)), assigned_(assigned) {}
  tokenflow::core::Result<tokenflow::core::Positions> load_positions(
      const std::string& topic,
      const std::vector<tokenflow::core::Partition>& partitions) override {
    auto answer = ForwardingStore<Transfer>::load_positions(topic, partitions);
    assigned_.fetch_add(partitions.size(), std::memory_order_release);
    return answer;
  }
  const tokenflow::sinks::PostgresStore::Stats& stats() const {
    return static_cast<const tokenflow::sinks::PostgresStore&>(inner()).stats();
  }

 private:
  std::atomic<std::size_t>& assigned_;
};

struct SinkConfig {
  std::string name;
  std::size_t rows = 0;
  std::size_t batch = 5000;
  CopyFormat format = CopyFormat::binary;
  SynchronousCommit commit = SynchronousCommit::off;  // what `tokenflow sink postgres` sets
  std::size_t writers = tokenflow::sinks::SinkOptions{}.writers;
  // Every row on the topic before the sink starts (a catch-up), rather than produced while
  // it runs: the sink then shares the cores with the brokers serving its fetches only.
  bool backlog = false;
  std::string compression = "lz4";  // the producer's, as `produce simulate` sets it
};

// The first `rows` rows on `topic` (kBacklogPartitions partitions), in runs of kBacklogRun
// consecutive rows per partition, every one acknowledged before it returns.
inline void produce_backlog(tokenflow::kafka::Producer& producer, const std::string& topic,
                            const Dataset& data, std::size_t rows, const std::string& what) {
  for (std::size_t i = 0; i < rows; ++i) {
    const tokenflow::core::Partition partition{
        static_cast<std::int32_t>(i / kBacklogRun % kBacklogPartitions)};
    auto produced = producer.produce(topic, partition, data.key(i), data.payload(i));
    if (!produced.ok()) fail(what + ": produce: " + produced.error().message);
  }
  if (auto flushed = producer.flush(std::chrono::seconds(120)); !flushed.ok()) {
    fail(what + ": producer flush: " + flushed.error().message);
  }
}

inline Measurement run_sink(Connection& c, long postmaster, const std::string& url,
                            tokenflow::kafka::EmbeddedCluster& cluster, const Dataset& data,
                            const SinkConfig& config, int number) {
  reset_table(c);
  const std::string topic = "sink-bench-" + std::to_string(number);
  const int partitions = config.backlog ? kBacklogPartitions : kPartitions;
  if (auto t = cluster.create_topic(topic, partitions); !t.ok()) fail(t.error().message);
  const auto client = cluster.client_config();

  tokenflow::sinks::PostgresStoreOptions store_options;
  store_options.url = url;
  store_options.copy_format = config.format;
  store_options.synchronous_commit = config.commit;
  std::atomic<std::size_t> assigned{0};
  std::mutex stores_mutex;
  std::vector<WatchedStore*> stores;  // owned by the sink; alive until it is destroyed
  auto make_store = [&]() -> std::unique_ptr<tokenflow::sinks::BatchStore> {
    auto store = std::make_unique<WatchedStore>(
        std::make_unique<tokenflow::sinks::PostgresStore>(store_options), assigned);
    std::lock_guard lock(stores_mutex);
    stores.push_back(store.get());
    return store;
  };

  auto dlq = tokenflow::kafka::Producer::create(client, tokenflow::kafka::ProducerOptions{});
  if (!dlq.ok()) fail(dlq.error().message);
  tokenflow::sinks::SinkOptions sink_options;
  sink_options.topic = topic;
  sink_options.batch_size = config.batch;
  sink_options.max_records = config.rows;
  sink_options.log_batches = false;
  sink_options.writers = config.writers;
  tokenflow::kafka::ConsumerOptions consumer_options;
  consumer_options.group_id = "sink-bench-" + std::to_string(number);
  consumer_options.topics = {topic};
  consumer_options.client_id = "sink-bench";
  tokenflow::sinks::TransferSink sink(sink_options, client, consumer_options, make_store, **dlq);

  tokenflow::kafka::ProducerOptions producer_options;  // linger 5 ms: `produce simulate`
  producer_options.client_id = "sink-bench-producer";
  producer_options.compression = config.compression;
  auto producer = tokenflow::kafka::Producer::create(client, producer_options);
  if (!producer.ok()) fail(producer.error().message);

  if (config.backlog) produce_backlog(**producer, topic, data, config.rows, config.name);

  tokenflow::core::StopSignal stop;
  std::atomic<bool> finished{false};
  tokenflow::core::Result<void> outcome = tokenflow::core::success();
  std::thread sink_thread([&] {
    outcome = sink.run(stop);
    finished.store(true, std::memory_order_release);
  });
  auto give_up = [&](const std::string& why) {
    stop.request();
    sink_thread.join();
    fail(config.name + ": " + why + (outcome.ok() ? "" : ": " + outcome.error().message));
  };

  const auto join_deadline = Clock::now() + std::chrono::seconds(60);
  while (assigned.load(std::memory_order_acquire) < static_cast<std::size_t>(partitions)) {
    if (finished.load(std::memory_order_acquire))
      give_up("the sink stopped before it was assigned");
    if (Clock::now() > join_deadline) give_up("the sink was not assigned its partitions in 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  Measurement m;
  double pg0 = 0;
  double self0 = 0;
  const auto producer_start = Clock::now();
  Clock::time_point start{};
  bool started = false;
  // The clock starts at the sink's first message: before it, the consumer's first fetches
  // find the partitions empty and the embedded cluster holds each for fetch.wait.max.ms.
  // That start-up delay is printed on its own; meanwhile the producer fills its window.
  auto note_start = [&] {
    if (started || sink.probe().consumed.get() == 0) return;
    started = true;
    start = Clock::now();
    pg0 = postgres_cpu_seconds(postmaster);
    self0 = self_cpu_seconds();
  };
  auto done = [&] {
    const auto& p = sink.probe();
    return p.stored.get() + p.duplicates.get() + p.dead_letters.get() >= config.rows;
  };
  for (std::size_t i = 0; i < config.rows && !config.backlog; ++i) {
    note_start();
    while (i >= sink.probe().consumed.get() + kWindow) {
      (*producer)->poll(std::chrono::milliseconds(1));
      note_start();
      if (finished.load(std::memory_order_acquire)) give_up("the sink stopped early");
    }
    auto produced = (*producer)->produce(topic, data.key(i), data.payload(i));
    if (!produced.ok()) give_up("produce: " + produced.error().message);
  }
  if (auto flushed = (*producer)->flush(std::chrono::seconds(120)); !flushed.ok()) {
    give_up("producer flush: " + flushed.error().message);
  }
  const auto deadline = Clock::now() + std::chrono::minutes(30);
  while (!done()) {
    note_start();
    if (finished.load(std::memory_order_acquire) && !done()) give_up("the sink stopped early");
    if (Clock::now() > deadline) give_up("the sink did not store every row in 30 minutes");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  note_start();
  m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  m.startup = std::chrono::duration<double>(start - producer_start).count();
  m.our_cpu = self_cpu_seconds() - self0;
  m.postgres_cpu = postgres_cpu_seconds(postmaster) - pg0;
  sink_thread.join();
  if (!outcome.ok()) fail(config.name + ": the sink failed: " + outcome.error().message);

  // The answer, before the figure.
  const auto& probe = sink.probe();
  const auto* consumer = sink.consumer_probe();
  if (probe.stored.get() != config.rows || probe.duplicates.get() != 0 ||
      probe.dead_letters.get() != 0 || probe.consumed.get() != config.rows) {
    fail(config.name + ": the sink consumed " + std::to_string(probe.consumed.get()) + ", stored " +
         std::to_string(probe.stored.get()) + ", " + std::to_string(probe.duplicates.get()) +
         " duplicates, " + std::to_string(probe.dead_letters.get()) + " dead letters");
  }
  if (consumer != nullptr && consumer->offset_out_of_range.get() != 0) {
    fail(config.name + ": offsets out of range (data deleted by retention before it was read)");
  }
  if ((*producer)->probe().delivered.get() != config.rows ||
      (*producer)->probe().failed.get() != 0) {
    fail(config.name + ": producer delivered " +
         std::to_string((*producer)->probe().delivered.get()));
  }
  check_table(c, data.checksum(config.rows), config.name);
  const std::uint64_t positions =
      c.number("SELECT coalesce(sum(next_offset), 0) FROM raw.tokenflow_offsets WHERE topic = '" +
               topic + "'");
  if (positions != config.rows) {
    fail(config.name + ": stored positions sum to " + std::to_string(positions));
  }
  std::uint64_t staged = 0;
  for (const auto* store : stores) staged += store->stats().staged_batches;
  m.note = std::to_string(probe.batches.get()) + " batches";
  if (staged != 0) m.note += ", " + std::to_string(staged) + " staged";
  return m;
}

}  // namespace tokenflow::bench
