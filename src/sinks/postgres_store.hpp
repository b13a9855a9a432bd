// BasicPostgresStore<Table>: the store of `tokenflow sink postgres` (libpq), for transfers
// (PostgresStore) and price ticks (PriceHistoryStore). Each batch is one transaction: the
// rows go in by COPY (binary by default for transfers), duplicates are ignored, and the
// Kafka positions they came from are upserted beside them, never moving backwards.
//
// Lifecycle: created by the cli, then connect(), init_schema() (optional), and any number of
// load_positions()/write()/count_rows(), all from one thread (the sink's loop). After
// errc::unavailable call connect() again and retry the same batch; after errc::rewind call
// load_positions() and seek the consumer to what it returns (see docs/sink.md, "Asynchronous
// commit").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sinks/batch_store.hpp"
#include "sinks/copy_encoder.hpp"
#include "sinks/postgres_schema.hpp"
#include "sinks/postgres_tables.hpp"

// libpq's handles, without its header in ours.
struct pg_conn;
struct pg_result;

namespace tokenflow::sinks {

enum class SynchronousCommit {
  on,              // COMMIT waits for the WAL flush
  off,             // COMMIT returns before its WAL reaches disk: safe only with a sink loop
                   // that answers errc::rewind (README.md, "Asynchronous commit")
  server_default,  // leave the server's setting alone
};

struct PostgresStoreOptions {
  std::string url;  // libpq URL or key=value string (DATABASE_URL)
  std::string schema = "raw";
  std::string table = "transfers_kafka";
  std::string positions_table = "tokenflow_offsets";  // in `schema` too
  // `off` (as `tokenflow sink postgres` runs it): safe because TransferSink answers
  // errc::rewind; it buys a little at batches of thousands and much at batches of ~100
  // (README.md, Benchmarks). A caller that cannot rewind sets `on`.
  SynchronousCommit synchronous_commit = SynchronousCommit::off;
  CopyFormat copy_format = CopyFormat::binary;
  // COPY straight into the table and fall back to the staging table only on a unique
  // violation. Off: every batch goes through the staging table.
  bool fast_path = true;
  // Send each batch sorted by id (see write()).
  bool sort_by_id = true;
  int connect_timeout_seconds = 10;
  std::string application_name = "tokenflow-sink";  // unless the URL names one
  // For readers of the positions that are not the sink (lag, replay): load_positions()
  // leaves positions stored for an earlier table of the name in place (it only skips them),
  // so a read-only database user can run them.
  bool read_only_positions = false;
};

// The application_name a sink of consumer group `group` connects with, so that `replay`
// can find a running sink's sessions (pg_stat_activity) where Kafka cannot say.
std::string sink_application_name(const std::string& group);

template <class Table>
class BasicPostgresStore final : public BasicBatchStore<typename Table::Row> {
 public:
  // What the write path did, for metrics and the benchmark.
  struct Stats {
    std::uint64_t fast_batches = 0;    // stored by COPY straight into the table
    std::uint64_t staged_batches = 0;  // stored through the staging table
    std::uint64_t fast_conflicts = 0;  // fast attempts undone by a duplicate id
    std::uint64_t rows_written = 0;    // new rows stored
  };

  using Row = typename Table::Row;

  explicit BasicPostgresStore(PostgresStoreOptions options);
  ~BasicPostgresStore() override;
  BasicPostgresStore(const BasicPostgresStore&) = delete;
  BasicPostgresStore& operator=(const BasicPostgresStore&) = delete;

  // Checks the names in `options` (schema and tables: letters, digits, '_', not starting
  // with a digit, short enough for the derived index names). Errors: errc::rejected.
  static core::Result<void> validate(const PostgresStoreOptions& options);
  // The URL (or key=value string) without its password, for log lines.
  static std::string describe_url(std::string_view url);

  const std::string& table_name() const override { return table_name_; }
  core::Result<void> connect() override;
  core::Result<void> init_schema() override;
  core::Result<core::Positions> load_positions(
      const std::string& topic, const std::vector<core::Partition>& partitions) override;
  using BasicBatchStore<Row>::write;
  core::Result<std::size_t> write(std::span<const Row> rows,
                                  const core::Positions& positions,
                                  const CommitGate& gate) override;
  core::Result<std::size_t> forget_positions() override;
  core::Result<void> replace_positions(const core::Positions& positions) override;
  core::Result<std::uint64_t> count_rows() override;
  // Other sessions of this database connected as `application_name`: "pid P from ADDRESS
  // since TIME" each.
  core::Result<std::vector<std::string>> sessions_named(const std::string& application_name);

  const Stats& stats() const { return stats_; }

 private:
  enum class Path { fast, staged };
  struct ConnDeleter {
    void operator()(pg_conn* conn) const;
  };
  using ConnPtr = std::unique_ptr<pg_conn, ConnDeleter>;

  core::Result<void> ensure_connected();
  core::Result<void> prepare_session();
  core::Result<void> ensure_staging();
  core::Result<void> check_lost_positions();
  // Deletes (and logs) positions stored for an earlier table of this name.
  core::Result<void> forget_stale_positions();
  core::Result<std::size_t> run_batch(std::span<const Row> rows,
                                      const core::Positions& positions, Path path,
                                      const CommitGate& gate, bool& unique_violation);
  void append_positions_sql(const core::Positions& positions);
  // Runs SQL that returns nothing (or ignores its rows); error mapped and rolled back.
  core::Result<void> exec(const std::string& sql, const char* what);
  core::Error error_from(pg_result* result, const char* what);
  core::Error connection_error(const char* what);
  void rollback_if_open();
  void remember_written(const core::Positions& positions);

  PostgresStoreOptions options_;
  std::string table_name_;  // raw.transfers_kafka: for log lines and the positions key
  std::optional<PostgresSchema> schema_;  // built by connect(), with the server's quoting
  std::string described_url_;
  ConnPtr conn_;
  bool session_prepared_ = false;
  bool staging_ready_ = false;
  bool warned_no_table_oid_ = false;
  int fast_path_cooldown_ = 0;  // batches left to send straight to staging after a conflict

  typename Table::Encoder encoder_;
  std::string sql_;                    // reused per batch
  std::vector<std::uint64_t> hashes_;  // reused per batch: ids' hashes, to spot repeats
  std::vector<std::uint32_t> order_;   // reused per batch: the rows' order by id
  Stats stats_;

  // Positions this store has seen committed, to notice after a reconnect that the server
  // lost some (asynchronous commit and a crash). Partitions found behind are held in
  // rewind_ until load_positions() is asked for them.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> acknowledged_;
  std::set<std::pair<std::string, std::int32_t>> rewind_;
};

using PostgresStore = BasicPostgresStore<TransferTable>;
using PriceHistoryStore = BasicPostgresStore<PriceHistoryTable>;
// Both are compiled once, in postgres_store.cpp.
extern template class BasicPostgresStore<TransferTable>;
extern template class BasicPostgresStore<PriceHistoryTable>;

}  // namespace tokenflow::sinks
