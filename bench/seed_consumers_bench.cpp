// seed_consumers_bench: the README's claim against the Python scripts tokenflow replaces,
// measured. The seed-style consumers (bench/seed_consumers/, kafka-python + psycopg2, run
// by Debian's /usr/bin/python3) and tokenflow's sink each drain the same rows from the
// embedded cluster into the same PostgreSQL table, in the same run, one after another:
//
//  - per_row_commit.py: one INSERT and one COMMIT per message, offsets auto-committed (the
//    original speed layer; BENCHMARKS.md measured ~1,700 rows/s), on the first M rows;
//  - batch_of_100.py: executemany of 100 rows, COMMIT, then the Kafka offsets (the original
//    analytics consumer; ~13,000 rows/s), on N rows;
//  - tokenflow's TransferSink with `tokenflow sink postgres`'s defaults (batch 5000, binary
//    COPY, synchronous_commit off, the offsets in the same transaction), on the same M and
//    the same N rows; on N also with synchronous_commit on (PostgreSQL's default, which the
//    Python consumers run with), to show what that lever buys;
//  - each script's floor: the same statements sent over libpq from this process, with no
//    Kafka and no Python (one INSERT + COMMIT per row; 100 INSERTs + COMMIT), which says how
//    much of a script's time is PostgreSQL's round trips and WAL flushes;
//  - the limit: `COPY raw.transfers_kafka FROM STDIN` of the N rows, one session, no Kafka.
//
//   seed_consumers_bench [--rows N] [--per-row-rows M] [--runs R] [--python PATH]
//
// Conditions (printed in the header): N = 100,000 and M = 20,000 simulator transfers (as in
// sink_bench), every row produced before its consumer starts into a fresh topic of 48
// partitions in runs of 2,000 rows (sink_bench's backlog), uncompressed (kafka-python needs the
// python3-lz4 module for lz4, and no pipeline should pay for a codec the others skip); each
// partition stays far under the embedded cluster's 5 MiB, so nothing is deleted unread. The table
// is TRUNCATEd and CHECKPOINTed before each pipeline. The clock of every pipeline runs from its
// first message consumed to its last row committed (the scripts report theirs; start-up and the
// group join are printed beside it, not counted). The ratio is tokenflow's sink on the same rows in
// the same round divided by the pipeline's rate.
//
// Checked before a figure is printed: after each pipeline the table equals the rows produced
// in every column (EXCEPT ALL, both ways, against a copy of the rows loaded by COPY), every
// script exits 0 and reports the rows it was given.
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "sink_measurement.hpp"

using namespace tokenflow::bench;

namespace {

const std::string kColumns =
    "id, block_number, \"timestamp\", contract_address, from_address, to_address, \"value\"";

// The rows produced, in order (seq = row number from 1), loaded once by COPY: after each
// pipeline the table must hold exactly the first k of them, every column equal.
void load_expected(Connection& c, std::string_view copy_rows) {
  c.value("CREATE SCHEMA IF NOT EXISTS bench");
  c.value(
      "CREATE UNLOGGED TABLE bench.expected_transfers (seq BIGINT GENERATED ALWAYS AS "
      "IDENTITY, id TEXT COLLATE \"C\", block_number BIGINT, \"timestamp\" TIMESTAMPTZ, "
      "contract_address TEXT COLLATE \"C\", from_address TEXT COLLATE \"C\", to_address "
      "TEXT COLLATE \"C\", \"value\" NUMERIC(78,0))");
  PGresult* r =
      PQexec(c.get(), ("COPY bench.expected_transfers (" + kColumns + ") FROM STDIN").c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) fail(PQresultErrorMessage(r));
  PQclear(r);
  if (PQputCopyData(c.get(), copy_rows.data(), static_cast<int>(copy_rows.size())) != 1 ||
      PQputCopyEnd(c.get(), nullptr) != 1) {
    fail(PQerrorMessage(c.get()));
  }
  while ((r = PQgetResult(c.get())) != nullptr) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(PQresultErrorMessage(r));
    PQclear(r);
  }
}

void check_rows_equal(Connection& c, std::size_t rows, const std::string& what) {
  const std::string expected =
      "(SELECT " + kColumns +
      " FROM bench.expected_transfers WHERE seq <= " + std::to_string(rows) + ")";
  const std::string stored = "(SELECT " + kColumns + " FROM raw.transfers_kafka)";
  const auto stored_rows = c.number("SELECT count(*) FROM raw.transfers_kafka");
  const auto missing =
      c.number("SELECT count(*) FROM (" + expected + " EXCEPT ALL " + stored + ") d");
  const auto extra =
      c.number("SELECT count(*) FROM (" + stored + " EXCEPT ALL " + expected + ") d");
  if (stored_rows != rows || missing != 0 || extra != 0) {
    const std::string example =
        c.value("SELECT coalesce(min(id), '') FROM (" + expected + " EXCEPT ALL " + stored + ") d");
    fail(what + ": the table holds " + std::to_string(stored_rows) + " rows for " +
         std::to_string(rows) + " produced; " + std::to_string(missing) +
         " produced rows missing or different (e.g. id '" + example + "'), " +
         std::to_string(extra) + " stored rows not produced");
  }
}

struct Figures {
  double seconds = 0;       // first message consumed -> last row committed
  double startup = 0;       // the rest of the run (process start, group join, close)
  double consumer_cpu = 0;  // the Python process, or this process (sink + cluster) for ours
  double cluster_cpu = 0;   // this process while a Python consumer ran (the embedded cluster)
  double postgres_cpu = 0;
  std::string note;
};

// PostgreSQL's CPU while a Python consumer runs. Its session ends with the script and takes
// its CPU with it, so the server's processes are sampled while it runs (every 100 ms) and
// each one's last figure counts.
class PostgresCpuSampler {
 public:
  explicit PostgresCpuSampler(long postmaster) : postmaster_(postmaster) {
    for_each_postgres_process(postmaster_, [&](long pid, double cpu) { start_[pid] = cpu; });
  }
  void sample() {
    for_each_postgres_process(postmaster_, [&](long pid, double cpu) { last_[pid] = cpu; });
  }
  double used() const {
    double total = 0;
    for (const auto& [pid, cpu] : last_) {
      const auto before = start_.find(pid);
      total += cpu - (before == start_.end() ? 0 : before->second);
    }
    return total;
  }

 private:
  long postmaster_;
  std::map<long, double> start_, last_;
};

struct Script {
  std::string name;  // file under bench/seed_consumers/
  std::string label;
};

Figures run_script(const std::string& python, const Script& script, Connection& c, long postmaster,
                   tokenflow::kafka::EmbeddedCluster& cluster, const std::string& url,
                   const Dataset& data, std::size_t rows, int number) {
  reset_table(c);
  const std::string topic = "seed-bench-" + std::to_string(number);
  if (auto t = cluster.create_topic(topic, kBacklogPartitions); !t.ok()) fail(t.error().message);
  tokenflow::kafka::ProducerOptions producer_options;
  producer_options.compression = "none";
  producer_options.client_id = "seed-bench-producer";
  auto producer = tokenflow::kafka::Producer::create(cluster.client_config(), producer_options);
  if (!producer.ok()) fail(producer.error().message);
  produce_backlog(**producer, topic, data, rows, script.label);
  if ((*producer)->probe().delivered.get() != rows || (*producer)->probe().failed.get() != 0) {
    fail(script.label + ": the producer delivered " +
         std::to_string((*producer)->probe().delivered.get()) + " of " + std::to_string(rows));
  }

  const std::string dir = tokenflow::testing::make_temp_dir("seed-bench");
  const std::string log = dir + "/" + script.name + ".log";
  const std::map<std::string, std::string> env = {
      {"KAFKA_BOOTSTRAP_SERVERS", cluster.bootstrap_servers()},
      {"KAFKA_TOPIC", topic},
      {"KAFKA_CONSUMER_GROUP", topic},
      {"KAFKA_MAX_RECORDS", std::to_string(rows)},
      {"DATABASE_URL", url},
      {"PYTHONDONTWRITEBYTECODE", "1"},  // no __pycache__ in the source tree
  };
  Figures f;
  const double children0 = tokenflow::testing::waited_children_cpu_seconds();
  const double self0 = self_cpu_seconds();
  PostgresCpuSampler postgres_cpu(postmaster);
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::minutes(20);
  std::optional<int> code;
  std::string output;
  {
    tokenflow::testing::ChildProcess child(
        {python, std::string(TOKENFLOW_SOURCE_DIR) + "/bench/seed_consumers/" + script.name}, log,
        env);
    while (!(code = child.wait(std::chrono::milliseconds(100))) && Clock::now() < deadline) {
      postgres_cpu.sample();
    }
    output = child.output();
  }
  const double wall = std::chrono::duration<double>(Clock::now() - started).count();
  f.consumer_cpu = tokenflow::testing::waited_children_cpu_seconds() - children0;
  f.cluster_cpu = self_cpu_seconds() - self0;
  f.postgres_cpu = postgres_cpu.used();
  std::filesystem::remove_all(dir);
  if (code != 0) {
    fail(script.label + ": " + script.name + " exited " +
         (code ? std::to_string(*code) : std::string("late (killed after 20 min)")) + ":\n" +
         output);
  }
  unsigned long long reported = 0, commits = 0;
  const auto at = output.rfind("{\"rows\": ");
  if (at == std::string::npos ||
      std::sscanf(output.c_str() + at, "{\"rows\": %llu, \"commits\": %llu, \"seconds\": %lf}",
                  &reported, &commits, &f.seconds) != 3 ||
      f.seconds <= 0) {
    fail(script.label + ": " + script.name + " did not report its rows and clock:\n" + output);
  }
  if (reported != rows) {
    fail(script.label + ": " + script.name + " reported " + std::to_string(reported) +
         " rows for " + std::to_string(rows) + " produced");
  }
  check_rows_equal(c, rows, script.label);
  f.startup = wall - f.seconds;
  f.note = with_commas(commits) + " commits";
  return f;
}

Figures run_ours(Connection& c, long postmaster, const std::string& url,
                 tokenflow::kafka::EmbeddedCluster& cluster, const Dataset& data,
                 const SinkConfig& config, int number) {
  const Measurement m = run_sink(c, postmaster, url, cluster, data, config, number);
  check_rows_equal(c, config.rows, config.name);
  return {m.seconds, m.startup, m.our_cpu, 0, m.postgres_cpu, m.note};
}

Figures run_copy(Connection& c, const std::string& url, long postmaster, const Dataset& data,
                 std::size_t rows) {
  const Measurement m =
      reference_copy(c, url, 1, postmaster, data.copy_prefix(rows), data.checksum(rows));
  check_rows_equal(c, rows, "reference COPY");
  return {m.seconds, 0, m.our_cpu, 0, m.postgres_cpu, "one COPY"};
}

// The floor of a consumer's method with neither Kafka nor Python: the same rows sent from this
// process over libpq, one prepared INSERT per row (ON CONFLICT DO NOTHING, as the scripts'),
// a COMMIT every `per_commit` rows. What is left of a script's time above it is Python's and
// kafka-python's; the floor itself is PostgreSQL's round trips and WAL flushes.
Figures run_statements(Connection& c, long postmaster, const Dataset& data, std::size_t rows,
                       std::size_t per_commit, const std::string& what) {
  reset_table(c);
  PGresult* r = PQprepare(c.get(), "insert_row",
                          ("INSERT INTO raw.transfers_kafka (" + kColumns +
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING")
                              .c_str(),
                          7, nullptr);
  if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(what + ": " + PQresultErrorMessage(r));
  PQclear(r);
  // The rows' fields, from their COPY text lines (simulator rows need no escapes).
  const std::string_view text = data.copy_prefix(rows);
  if (text.find('\\') != std::string_view::npos) fail(what + ": a row with a COPY escape");
  Figures f;
  const double pg0 = postgres_cpu_seconds(postmaster);
  const double self0 = self_cpu_seconds();
  const auto start = Clock::now();
  std::array<std::string, 7> fields;
  std::array<const char*, 7> values{};
  std::size_t at = 0;
  std::uint64_t commits = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    const std::size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    for (std::size_t k = 0; k < fields.size(); ++k) {
      const std::size_t tab = std::min(line.find('\t'), line.size());
      fields[k].assign(line.substr(0, tab));
      values[k] = fields[k].c_str();
      line.remove_prefix(std::min(tab + 1, line.size()));
    }
    if (row % per_commit == 0) c.value("BEGIN");
    r = PQexecPrepared(c.get(), "insert_row", 7, values.data(), nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail(what + ": " + PQresultErrorMessage(r));
    PQclear(r);
    if ((row + 1) % per_commit == 0 || row + 1 == rows) {
      c.value("COMMIT");
      ++commits;
    }
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.consumer_cpu = self_cpu_seconds() - self0;
  f.postgres_cpu = postgres_cpu_seconds(postmaster) - pg0;
  c.value("DEALLOCATE insert_row");
  check_rows_equal(c, rows, what);
  f.note = with_commas(commits) + " commits";
  return f;
}

// The table's rows, in the order they run: the rows of M first, then those of N.
enum RowIndex : std::size_t {
  kPerRow,
  kPerRowFloor,
  kOursSmall,
  kBatch,
  kBatchFloor,
  kOursLarge,
  kOursSync,
  kCopy
};

struct Row {
  std::string label;
  std::size_t rows = 0;
  std::vector<double> rate, ratio;  // ratio: tokenflow's sink on the same rows / this
  std::vector<Figures> runs;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 100'000;
  std::size_t per_row_rows = 20'000;
  int runs = 1;
  std::string python = "/usr/bin/python3";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      rows = std::stoull(argv[++i]);
    } else if (arg == "--per-row-rows" && i + 1 < argc) {
      per_row_rows = std::stoull(argv[++i]);
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::stoi(argv[++i]);
    } else if (arg == "--python" && i + 1 < argc) {
      python = argv[++i];
    } else {
      std::fprintf(stderr,
                   "usage: %s [--rows N] [--per-row-rows M] [--runs R] [--python PATH]\n"
                   "  N rows for the batch-of-100 consumer (100,000), M for the per-row one "
                   "(20,000); each fits the embedded cluster's retention\n"
                   "  --python: an interpreter with kafka-python and psycopg2 "
                   "(/usr/bin/python3 with python3-kafka, python3-psycopg2)\n",
                   argv[0]);
      return 2;
    }
  }
  if (rows == 0 || per_row_rows == 0 || runs < 1)
    fail("--rows, --per-row-rows and --runs must be positive");
  per_row_rows = std::min(per_row_rows, rows);
  spdlog::set_level(spdlog::level::warn);
  const std::string load_at_start = load_average();

  const auto versions = tokenflow::testing::run_command(
      {python, "-c",
       "import sys, kafka, psycopg2; print(sys.version.split()[0], kafka.__version__, "
       "psycopg2.__version__.split()[0])"},
      std::chrono::seconds(30));
  if (versions.exit_code != 0) {
    fail(python +
         " cannot import kafka and psycopg2 (scripts/deps.sh installs python3-kafka "
         "and python3-psycopg2 for Debian's /usr/bin/python3):\n" +
         versions.output);
  }

  std::fprintf(stderr, "seed_consumers_bench: generating %zu transfers...\n", rows);
  const Dataset data = make_dataset(rows, {rows, per_row_rows});
  SinkDatabase database;
  Connection& admin = database.admin();
  const long postmaster = database.postmaster();
  load_expected(admin, data.copy_prefix(rows));
  auto cluster = tokenflow::kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail(cluster.error().message);
  if (auto t = (*cluster)->create_topic(kDeadLetterTopic, 3); !t.ok()) fail(t.error().message);

  const Script per_row{"per_row_commit.py",
                       "per_row_commit.py: kafka-python, INSERT + COMMIT per message"};
  const Script batch{"batch_of_100.py", "batch_of_100.py: kafka-python, 100 rows, COMMIT, offsets"};
  auto ours = [](std::string name, std::size_t n, SynchronousCommit commit) {
    SinkConfig config{.name = std::move(name), .rows = n, .commit = commit, .backlog = true};
    config.compression = "none";
    return config;
  };
  const SinkConfig ours_small =
      ours("tokenflow sink, defaults", per_row_rows, SynchronousCommit::off);
  const SinkConfig ours_large = ours("tokenflow sink, defaults", rows, SynchronousCommit::off);
  const SinkConfig ours_sync =
      ours("tokenflow sink, synchronous_commit on", rows, SynchronousCommit::on);

  const std::string per_row_floor = "  its floor: libpq, INSERT + COMMIT per row, no Kafka";
  const std::string batch_floor = "  its floor: libpq, 100 INSERTs + COMMIT, no Kafka";
  std::vector<Row> table = {{per_row.label, per_row_rows, {}, {}, {}},
                            {per_row_floor, per_row_rows, {}, {}, {}},
                            {ours_small.name, per_row_rows, {}, {}, {}},
                            {batch.label, rows, {}, {}, {}},
                            {batch_floor, rows, {}, {}, {}},
                            {ours_large.name, rows, {}, {}, {}},
                            {ours_sync.name, rows, {}, {}, {}},
                            {"limit: COPY FROM STDIN, 1 session, no Kafka", rows, {}, {}, {}}};
  int number = 0;
  auto note = [](Row& row, const Figures& f) {
    row.runs.push_back(f);
    row.rate.push_back(static_cast<double>(row.rows) / f.seconds);
    std::fprintf(stderr, "  %s, %zu rows: %.0f rows/s\n", row.label.c_str(), row.rows,
                 row.rate.back());
  };
  // Each round: a Python consumer, then tokenflow's sink on the same rows right after it (the
  // machine's load drifts within minutes; the ratio of a pair is the figure that matters).
  for (int run = 0; run < runs; ++run) {
    std::fprintf(stderr, "round %d of %d\n", run + 1, runs);
    note(table[kPerRow], run_script(python, per_row, admin, postmaster, **cluster, database.url(),
                                    data, per_row_rows, number++));
    note(table[kPerRowFloor],
         run_statements(admin, postmaster, data, per_row_rows, 1, per_row_floor));
    note(table[kOursSmall],
         run_ours(admin, postmaster, database.url(), **cluster, data, ours_small, number++));
    note(table[kBatch], run_script(python, batch, admin, postmaster, **cluster, database.url(),
                                   data, rows, number++));
    note(table[kBatchFloor], run_statements(admin, postmaster, data, rows, 100, batch_floor));
    note(table[kOursLarge],
         run_ours(admin, postmaster, database.url(), **cluster, data, ours_large, number++));
    note(table[kOursSync],
         run_ours(admin, postmaster, database.url(), **cluster, data, ours_sync, number++));
    note(table[kCopy], run_copy(admin, database.url(), postmaster, data, rows));
    const double small = table[kOursSmall].rate.back(), large = table[kOursLarge].rate.back();
    for (std::size_t k = 0; k < table.size(); ++k) {
      table[k].ratio.push_back((k <= kOursSmall ? small : large) / table[k].rate.back());
    }
  }

  std::printf(
      "\nseed_consumers_bench: the seed-style Python consumers beside tokenflow's sink, Kafka -> "
      "PostgreSQL, the same rows into the same table, same server, same run\n");
  std::printf(
      "machine load average (1/5/15 min): %s at start, %s at end; %u cores shared by "
      "everything\n",
      load_at_start.c_str(), load_average().c_str(), std::thread::hardware_concurrency());
  std::printf("python: %s (Python, kafka-python, psycopg2: %s), scripts in bench/seed_consumers/\n",
              python.c_str(), versions.output.substr(0, versions.output.find('\n')).c_str());
  std::printf(
      "rows: simulator transfers (~%.0f-byte JSON), all produced (uncompressed) before each "
      "consumer starts into a fresh topic of %d partitions, runs of %s rows (as sink_bench's "
      "backlog); %s for the per-row consumer, %s for the others\n",
      data.mean_json_bytes, kBacklogPartitions, with_commas(kBacklogRun).c_str(),
      with_commas(per_row_rows).c_str(), with_commas(rows).c_str());
  std::printf(
      "table: raw.transfers_kafka (primary key + 3 indexes), TRUNCATEd and CHECKPOINTed before "
      "each pipeline, autovacuum off; PostgreSQL %s, default settings (fsync %s, "
      "synchronous_commit %s)\n",
      admin.value("SHOW server_version").c_str(), admin.value("SHOW fsync").c_str(),
      admin.value("SHOW synchronous_commit").c_str());
  std::printf(
      "clock: first message consumed -> last row committed (start s, not counted: the rest of a "
      "script's run, i.e. interpreter start, group join and close; for tokenflow the wait for "
      "its first message); CPU s: the consumer (the Python process, or this "
      "process for tokenflow: sink + embedded cluster), the cluster alone beside Python, "
      "PostgreSQL's processes\n");
  std::printf(
      "checked: after each pipeline the table equals the rows produced, every column (EXCEPT "
      "ALL both ways); each script exited 0 and reported its rows. runs: %d (medians; ratio: "
      "of the per-round ratios)\n\n",
      runs);
  std::printf(
      "| pipeline | rows | rows/s | tokenflow's sink / it | wall s | start s | consumer "
      "CPU s | cluster CPU s | PG CPU s | |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
  for (const Row& row : table) {
    std::vector<double> wall, startup, cpu, cluster_cpu, pg;
    for (const Figures& f : row.runs) {
      wall.push_back(f.seconds);
      startup.push_back(f.startup);
      cpu.push_back(f.consumer_cpu);
      cluster_cpu.push_back(f.cluster_cpu);
      pg.push_back(f.postgres_cpu);
    }
    std::printf("| %s | %s | %s | %.2fx | %.2f | %.1f | %.1f | %.1f | %.1f | %s |\n",
                row.label.c_str(), with_commas(row.rows).c_str(),
                with_commas(static_cast<std::uint64_t>(median(row.rate))).c_str(),
                median(row.ratio), median(wall), median(startup), median(cpu), median(cluster_cpu),
                median(pg), row.runs.back().note.c_str());
  }
  std::printf(
      "\ntokenflow's sink (defaults) on the same rows: %.0fx the per-row-commit consumer, %.1fx "
      "the batch-of-100 consumer; %.0f%% of the one-session COPY limit\n",
      median(table[kPerRow].ratio), median(table[kBatch].ratio), 100 * median(table[kCopy].ratio));
  return 0;
}
