// copy_limit_bench: PostgresStore::write against the limit of the same server, measured in the
// same run (BENCHMARKS.md): a plain COPY of the same rows into the same indexed table, one
// session. Prints rows/s for each configuration and its ratio to the limit, after checking
// that each one stored exactly the rows it was given (count and a value checksum).
//
//   copy_limit_bench [--rows N] [--runs R] [--no-small-batches] [--quick]
//
// --quick measures only the limit, the sink's default configuration and its rows unsorted.
//
// The server is a throwaway PostgreSQL with its default settings (fsync and synchronous
// commit on, shared_buffers 128MB), started by tests/support/postgres_server.
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "sinks/postgres_store.hpp"
#include "support/postgres_server.hpp"

namespace {

using tokenflow::bench::median;

using tokenflow::core::Transfer;
using tokenflow::sinks::CopyEncoder;
using tokenflow::sinks::CopyFormat;
using tokenflow::sinks::PostgresStore;
using tokenflow::sinks::PostgresStoreOptions;
using tokenflow::sinks::SynchronousCommit;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 12;
const std::string kTopic = "stablecoin-transfers";

struct Checksum {
  std::uint64_t rows = 0;
  std::uint64_t block_sum = 0;
  std::uint64_t value_mod_sum = 0;  // sum of (value mod 10^9)
  bool operator==(const Checksum&) const = default;
};

tokenflow::core::Address random_address(std::mt19937_64& rng) {
  std::array<std::uint8_t, 20> bytes{};
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return tokenflow::core::Address(bytes);
}

// Transfers shaped like mainnet's: ~150 per block, 12 s blocks, a few dozen token contracts,
// values mostly 6-24 digits with a tail up to 78, ids `<tx hash>_<log index>`.
std::vector<Transfer> generate(std::size_t n, Checksum& sum) {
  std::mt19937_64 rng(20261122);
  std::vector<tokenflow::core::Address> contracts;
  for (int i = 0; i < 40; ++i) contracts.push_back(random_address(rng));
  std::vector<Transfer> rows(n);
  static const char* kHex = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    Transfer& t = rows[i];
    t.id.value.reserve(72);
    t.id.value = "0x";
    for (int k = 0; k < 64; ++k) t.id.value += kHex[rng() & 15];
    t.id.value += "_" + std::to_string(i % 300);
    t.block_number = 19000000 + i / 150;
    t.timestamp.value = 1700000000000 + static_cast<std::int64_t>(i / 150) * 12000;
    t.contract_address = contracts[rng() % contracts.size()];
    t.from_address = random_address(rng);
    t.to_address = random_address(rng);
    const unsigned digits = rng() % 100 < 97 ? 6 + rng() % 19 : 25 + rng() % 54;
    std::string text(1, static_cast<char>('1' + rng() % 9));
    while (text.size() < digits) text += static_cast<char>('0' + rng() % 10);
    auto value = tokenflow::core::Uint256::from_decimal(text);
    t.value = value.ok() ? *value : tokenflow::core::Uint256::max();
    tokenflow::core::Uint256 rest = t.value;
    sum.value_mod_sum += rest.divmod_u64(1000000000);
    sum.block_sum += t.block_number;
    ++sum.rows;
  }
  return rows;
}

class Connection {
 public:
  explicit Connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
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
      throw std::runtime_error(sql + ": " + message);
    }
    std::string out = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return out;
  }

 private:
  PGconn* conn_;
};

Checksum stored_checksum(Connection& c) {
  Checksum sum;
  sum.rows = std::stoull(c.value("SELECT count(*) FROM raw.transfers_kafka"));
  sum.block_sum =
      std::stoull(c.value("SELECT coalesce(sum(block_number), 0) FROM raw.transfers_kafka"));
  sum.value_mod_sum = std::stoull(
      c.value("SELECT coalesce(sum(mod(value, 1000000000)), 0) FROM raw.transfers_kafka"));
  return sum;
}

// An empty table with every index, and a checkpoint, so each measurement starts alike.
void reset_table(Connection& c) {
  c.value("TRUNCATE raw.transfers_kafka");
  c.value("DELETE FROM raw.tokenflow_offsets");
  c.value("VACUUM raw.tokenflow_offsets");
  c.value("CHECKPOINT");
}

// The reference: one COPY of every row, text format, the data encoded before the clock starts.
double reference_copy_stdin(Connection& c, const std::string& data) {
  const auto start = Clock::now();
  PGresult* r = PQexec(c.get(),
                       "COPY raw.transfers_kafka (id, block_number, \"timestamp\", "
                       "contract_address, from_address, to_address, \"value\") FROM STDIN");
  if (PQresultStatus(r) != PGRES_COPY_IN) throw std::runtime_error(PQresultErrorMessage(r));
  PQclear(r);
  for (std::size_t off = 0; off < data.size(); off += 256 * 1024) {
    const std::size_t n = std::min<std::size_t>(256 * 1024, data.size() - off);
    if (PQputCopyData(c.get(), data.data() + off, static_cast<int>(n)) != 1) {
      throw std::runtime_error(PQerrorMessage(c.get()));
    }
  }
  PQputCopyEnd(c.get(), nullptr);
  while ((r = PQgetResult(c.get())) != nullptr) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) throw std::runtime_error(PQresultErrorMessage(r));
    PQclear(r);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The reference of BENCHMARKS.md itself: the server reads the file.
double reference_copy_file(Connection& c, const std::string& path) {
  const auto start = Clock::now();
  c.value(
      "COPY raw.transfers_kafka (id, block_number, \"timestamp\", contract_address, "
      "from_address, to_address, \"value\") FROM '" +
      path + "'");
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What the limit looks like cut into transactions of `batch` rows (text, autocommit COPYs).
double copy_in_batches(Connection& c, const std::vector<Transfer>& rows, std::size_t batch) {
  CopyEncoder encoder(CopyFormat::text);
  std::vector<std::string> chunks;
  for (std::size_t off = 0; off < rows.size(); off += batch) {
    encoder.begin();
    for (std::size_t i = off; i < std::min(rows.size(), off + batch); ++i) {
      if (auto a = encoder.append(rows[i]); !a) throw std::runtime_error(a.error().message);
    }
    chunks.emplace_back(encoder.pending());
  }
  double seconds = 0;
  for (const auto& chunk : chunks) seconds += reference_copy_stdin(c, chunk);
  return seconds;
}

struct SinkConfig {
  std::string name;
  std::size_t batch = 5000;
  CopyFormat format = CopyFormat::binary;
  SynchronousCommit commit = SynchronousCommit::on;
  bool fast_path = true;
  int sessions = 1;
  bool sort_by_id = true;
};

// The sink's write loop: batches with the positions of the 12 partitions they cover.
double sink_write(const std::string& url, const SinkConfig& config,
                  const std::vector<Transfer>& rows) {
  std::vector<std::unique_ptr<PostgresStore>> stores;
  for (int s = 0; s < config.sessions; ++s) {
    PostgresStoreOptions options;
    options.url = url;
    options.copy_format = config.format;
    options.synchronous_commit = config.commit;
    options.fast_path = config.fast_path;
    options.sort_by_id = config.sort_by_id;
    auto store = std::make_unique<PostgresStore>(options);
    if (auto c = store->connect(); !c) throw std::runtime_error(c.error().message);
    stores.push_back(std::move(store));
  }
  // Each session takes every sessions-th batch, as sinks sharing partitions would.
  auto loop = [&](int session) {
    PostgresStore& store = *stores[static_cast<std::size_t>(session)];
    tokenflow::core::Positions positions(kPartitions);
    std::size_t index = 0;
    for (std::size_t off = 0; off < rows.size(); off += config.batch, ++index) {
      if (index % static_cast<std::size_t>(config.sessions) != static_cast<std::size_t>(session)) {
        continue;
      }
      const std::size_t end = std::min(rows.size(), off + config.batch);
      for (int p = 0; p < kPartitions; ++p) {
        positions[static_cast<std::size_t>(p)] = {
            kTopic, tokenflow::core::Partition{p * config.sessions + session},
            tokenflow::core::Offset{static_cast<std::int64_t>(end / kPartitions)}};
      }
      auto w = store.write(std::span<const Transfer>(rows.data() + off, end - off), positions);
      if (!w) throw std::runtime_error(w.error().message);
      if (*w != end - off) throw std::runtime_error("write stored fewer rows than it was given");
    }
  };
  const auto start = Clock::now();
  if (config.sessions == 1) {
    loop(0);
  } else {
    std::vector<std::thread> threads;
    for (int s = 0; s < config.sessions; ++s) threads.emplace_back(loop, s);
    for (auto& t : threads) t.join();
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 200000;
  int runs = 3;
  bool small_batches = true;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rows" && i + 1 < argc) {
      n = std::stoull(argv[++i]);
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::stoi(argv[++i]);
    } else if (arg == "--no-small-batches") {
      small_batches = false;
    } else if (arg == "--quick") {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: %s [--rows N] [--runs R] [--no-small-batches] [--quick]\n",
                   argv[0]);
      return 2;
    }
  }

  Checksum expected;
  const std::vector<Transfer> rows = generate(n, expected);
  tokenflow::testing::PostgresServer server;  // Debian's defaults: nothing overridden
  {
    PostgresStoreOptions options;
    options.url = server.url();
    PostgresStore store(options);
    if (auto c = store.connect(); !c) throw std::runtime_error(c.error().message);
    if (auto s = store.init_schema(); !s) throw std::runtime_error(s.error().message);
  }
  Connection admin(server.url());
  // Autovacuum waking up on one measurement's rows in the middle of the next is noise that
  // neither the limit nor the sink is about.
  admin.value("ALTER TABLE raw.transfers_kafka SET (autovacuum_enabled = false)");

  // The reference data, encoded once, before any clock runs.
  CopyEncoder encoder(CopyFormat::text);
  encoder.begin();
  for (const auto& t : rows) {
    if (auto a = encoder.append(t); !a) throw std::runtime_error(a.error().message);
  }
  const std::string text_data(encoder.pending());
  const std::string file_path = server.directory() + "/rows.tsv";
  std::ofstream(file_path, std::ios::binary) << text_data;

  // The default first, then one lever changed at a time.
  std::vector<SinkConfig> configs = {
      {"sink: default (binary, sorted, fast path, sync commit)", 5000},
      {"  rows in arrival order (not sorted by id)", 5000, CopyFormat::binary,
       SynchronousCommit::on, true, 1, false},
      {"  text COPY instead of binary", 5000, CopyFormat::text},
      {"  synchronous_commit off", 5000, CopyFormat::binary, SynchronousCommit::off},
      {"  staging table always (no fast path)", 5000, CopyFormat::binary, SynchronousCommit::on,
       false},
      {"  two sessions (two stores, batches alternating)", 5000, CopyFormat::binary,
       SynchronousCommit::on, true, 2},
  };
  if (quick) configs.resize(2);
  if (small_batches && !quick) {
    configs.push_back({"sink: default", 100});
    configs.push_back(
        {"  synchronous_commit off", 100, CopyFormat::binary, SynchronousCommit::off});
    configs.push_back({"  text COPY instead of binary", 100, CopyFormat::text});
  }

  std::vector<double> ref_stdin;
  std::vector<double> ref_file;
  std::vector<double> ref_batched;
  std::vector<double> reference;
  std::vector<std::vector<double>> sink(configs.size());
  std::vector<std::vector<double>> ratio(configs.size());
  auto check = [&](const std::string& what) {
    const Checksum got = stored_checksum(admin);
    if (!(got == expected)) {
      std::fprintf(stderr, "%s stored %llu rows (expected %llu) or wrong values\n", what.c_str(),
                   static_cast<unsigned long long>(got.rows),
                   static_cast<unsigned long long>(expected.rows));
      std::exit(1);
    }
  };
  for (int run = 0; run < runs; ++run) {
    reset_table(admin);
    ref_stdin.push_back(static_cast<double>(n) / reference_copy_stdin(admin, text_data));
    check("COPY FROM STDIN");
    reset_table(admin);
    ref_file.push_back(static_cast<double>(n) / reference_copy_file(admin, file_path));
    check("COPY FROM file");
    reset_table(admin);
    ref_batched.push_back(static_cast<double>(n) / copy_in_batches(admin, rows, 5000));
    check("COPY in batches");
    const double limit = std::max(ref_stdin.back(), ref_file.back());
    reference.push_back(limit);
    for (std::size_t c = 0; c < configs.size(); ++c) {
      reset_table(admin);
      const double rate = static_cast<double>(n) / sink_write(server.url(), configs[c], rows);
      check(configs[c].name);
      sink[c].push_back(rate);
      ratio[c].push_back(rate / limit);
    }
    std::fprintf(stderr, "run %d/%d done\n", run + 1, runs);
  }

  std::printf("\nPostgresStore::write vs the COPY limit, same server, same run\n");
  std::printf(
      "rows: %zu synthetic transfers (unique ids, 42-char addresses, values up to 78 "
      "digits), %d runs, medians\n",
      n, runs);
  std::printf(
      "table: raw.transfers_kafka with its primary key and 3 indexes, emptied and "
      "CHECKPOINTed before each measurement, autovacuum off for it\n");
  std::printf(
      "server: PostgreSQL %s, default settings (fsync %s, synchronous_commit %s, "
      "shared_buffers %s), %u cores\n",
      admin.value("SHOW server_version").c_str(), admin.value("SHOW fsync").c_str(),
      admin.value("SHOW synchronous_commit").c_str(), admin.value("SHOW shared_buffers").c_str(),
      std::thread::hardware_concurrency());
  std::printf(
      "sink: positions of %d partitions upserted with every batch; every figure checked "
      "(row count, sums of block numbers and values mod 1e9)\n\n",
      kPartitions);
  std::printf("%-54s %7s %12s %9s\n", "configuration", "batch", "rows/s", "vs limit");
  std::printf("%-54s %7s %12.0f\n", "limit: COPY FROM STDIN, text, one session", "all",
              median(ref_stdin));
  std::printf("%-54s %7s %12.0f\n", "limit: server-side COPY FROM file, one session", "all",
              median(ref_file));
  std::printf("%-54s %7d %12.0f   (no ids check, no positions)\n",
              "plain COPY, text, one transaction per batch", 5000, median(ref_batched));
  for (std::size_t c = 0; c < configs.size(); ++c) {
    std::printf("%-54s %7zu %12.0f %8.0f%%\n", configs[c].name.c_str(), configs[c].batch,
                median(sink[c]), 100 * median(ratio[c]));
  }
  std::printf(
      "\n(limit per run = the faster of the two COPYs; ratio = median of the per-run "
      "ratios)\n");
  return 0;
}
