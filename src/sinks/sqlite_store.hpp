// SqliteStore: the BatchStore of `tokenflow up` when no DATABASE_URL names a PostgreSQL
// server: one SQLite file (WAL mode) with the same table and positions table, so the
// embedded pipeline keeps the sink's exactly-once guarantee with nothing to install.
// `value` is TEXT holding the exact decimal, `timestamp` TEXT in ISO-8601 UTC.
//
// Lifecycle: created by the cli, then connect(), init_schema(), and any number of
// load_positions()/write()/count_rows(), all from one thread (the sink's loop).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sinks/batch_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace tokenflow::sinks {

struct SqliteStoreOptions {
  std::string path;  // the database file; created if missing
  std::string table = "transfers_kafka";
  std::string positions_table = "tokenflow_offsets";
  // synchronous=NORMAL in WAL mode: a commit survives a crash of the process; a power loss
  // may undo the last commits, rows and positions together (as with PostgreSQL's
  // asynchronous commit, the sink then reads them from Kafka again). true: FULL.
  bool synchronous_full = false;
  int busy_timeout_ms = 5000;
};

class SqliteStore final : public BatchStore {
 public:
  explicit SqliteStore(SqliteStoreOptions options);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  const std::string& table_name() const override { return options_.table; }
  core::Result<void> connect() override;
  core::Result<void> init_schema() override;
  core::Result<core::Positions> load_positions(
      const std::string& topic, const std::vector<core::Partition>& partitions) override;
  using BatchStore::write;
  core::Result<std::size_t> write(std::span<const core::Transfer> rows,
                                  const core::Positions& positions,
                                  const CommitGate& gate) override;
  core::Result<std::size_t> forget_positions() override;
  core::Result<void> replace_positions(const core::Positions& positions) override;
  core::Result<std::uint64_t> count_rows() override;

 private:
  struct DbDeleter {
    void operator()(sqlite3* db) const;
  };
  struct StmtDeleter {
    void operator()(sqlite3_stmt* stmt) const;
  };
  using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

  core::Result<void> exec(const std::string& sql, const char* what);
  core::Result<void> prepare_statements();
  core::Error error(int code, const char* what) const;
  core::Result<std::size_t> write_in_transaction(std::span<const core::Transfer> rows,
                                                 const core::Positions& positions);

  SqliteStoreOptions options_;
  std::unique_ptr<sqlite3, DbDeleter> db_;
  StmtPtr insert_row_;
  StmtPtr upsert_position_;
  StmtPtr begin_;
  StmtPtr commit_;
};

}  // namespace tokenflow::sinks
