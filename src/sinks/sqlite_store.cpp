#include "sinks/sqlite_store.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "core/timestamp.hpp"
#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

bool valid_identifier(std::string_view name) {
  if (name.empty() || name.size() > 63 || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string sql_identifier(const std::string& name) { return "\"" + name + "\""; }

// "2024-06-01T11:59:57.000Z": always with milliseconds, so that the TEXT column sorts in
// time order (write_iso8601 leaves out a zero fraction, and '.' sorts before 'Z').
std::size_t write_sortable_time(core::UnixMillis t, char* out) {
  std::size_t n = core::write_iso8601(t, out);
  if (n > 0 && std::memchr(out, '.', n) == nullptr && out[n - 1] == 'Z') {
    std::memcpy(out + n - 1, ".000Z", 5);
    n += 4;
  }
  return n;
}

}  // namespace

void SqliteStore::DbDeleter::operator()(sqlite3* db) const { sqlite3_close_v2(db); }
void SqliteStore::StmtDeleter::operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }

SqliteStore::SqliteStore(SqliteStoreOptions options) : options_(std::move(options)) {}

SqliteStore::~SqliteStore() {
  // Statements before the database they belong to.
  insert_row_.reset();
  upsert_position_.reset();
  begin_.reset();
  commit_.reset();
}

core::Error SqliteStore::error(int code, const char* what) const {
  const std::string message = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(code);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return make_error(errc::unavailable,
                        "SQLite database " + options_.path + " is unavailable while " + what + " " +
                            options_.table + ": " + message + "; the batch is kept: retry");
    default:
      break;
  }
  std::string text = "SQLite database " + options_.path + " rejected " + what + " " +
                     options_.table + ": " + message;
  if (message.find("no such table") != std::string::npos) {
    text += "; run `tokenflow init-schema` (or start `tokenflow up`, which creates it)";
  }
  return make_error(errc::rejected, std::move(text));
}

core::Result<void> SqliteStore::exec(const std::string& sql, const char* what) {
  if (!db_) {
    return make_error(errc::unavailable,
                      "SQLite database " + options_.path + " is not open: call connect() first");
  }
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, what);
  return core::success();
}

core::Result<void> SqliteStore::connect() {
  for (const std::string* name : {&options_.table, &options_.positions_table}) {
    if (!valid_identifier(*name)) {
      return make_error(errc::rejected, "SQLite table name '" + *name +
                                            "' is not usable: use 1 to 63 letters, digits or "
                                            "'_', not starting with a digit");
    }
  }
  insert_row_.reset();
  upsert_position_.reset();
  begin_.reset();
  commit_.reset();
  db_.reset();
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(options_.path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(db);
  if (rc != SQLITE_OK) {
    core::Error e = error(rc, "opening the database for");
    db_.reset();
    return e;
  }
  sqlite3_busy_timeout(db_.get(), options_.busy_timeout_ms);
  // WAL: the sink writes while readers (dashboards, sqlite3 shells) read, without blocking.
  sqlite3_stmt* raw = nullptr;
  if (int prc = sqlite3_prepare_v2(db_.get(), "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
      prc != SQLITE_OK) {
    return error(prc, "switching to WAL mode");
  }
  StmtPtr wal(raw);
  const int step = sqlite3_step(wal.get());
  const unsigned char* mode = step == SQLITE_ROW ? sqlite3_column_text(wal.get(), 0) : nullptr;
  if (mode == nullptr || std::strcmp(reinterpret_cast<const char*>(mode), "wal") != 0) {
    return make_error(errc::rejected, "SQLite database " + options_.path +
                                          " cannot use WAL mode (is it on a network file "
                                          "system, or open by an old SQLite?)");
  }
  return exec(options_.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
              "configuring the connection for");
}

core::Result<void> SqliteStore::init_schema() {
  const std::string t = sql_identifier(options_.table);
  const std::string sql =
      "BEGIN IMMEDIATE;"
      "CREATE TABLE IF NOT EXISTS " +
      t +
      " (id TEXT PRIMARY KEY, block_number INTEGER NOT NULL, \"timestamp\" TEXT NOT NULL,"
      " contract_address TEXT NOT NULL, from_address TEXT NOT NULL, to_address TEXT NOT NULL,"
      " \"value\" TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS " +
      sql_identifier(options_.table + "_block_number_idx") + " ON " + t +
      " (block_number DESC);"
      "CREATE INDEX IF NOT EXISTS " +
      sql_identifier(options_.table + "_contract_address_idx") + " ON " + t +
      " (contract_address);"
      "CREATE INDEX IF NOT EXISTS " +
      sql_identifier(options_.table + "_timestamp_idx") + " ON " + t +
      " (\"timestamp\" DESC);"
      "CREATE TABLE IF NOT EXISTS " +
      sql_identifier(options_.positions_table) +
      " (target_table TEXT NOT NULL, topic TEXT NOT NULL, \"partition\" INTEGER NOT NULL,"
      " next_offset INTEGER NOT NULL, updated_at TEXT NOT NULL,"
      " PRIMARY KEY (target_table, topic, \"partition\"));"
      "COMMIT";
  auto r = exec(sql, "creating the schema of");
  if (!r) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return r;
  }
  insert_row_.reset();  // re-prepared against the tables as they are now
  upsert_position_.reset();
  return r;
}

core::Result<void> SqliteStore::prepare_statements() {
  if (insert_row_) return core::success();
  auto prepare = [&](const std::string& sql, StmtPtr& out) -> core::Result<void> {
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(raw);
      return error(rc, "preparing the statements of");
    }
    out.reset(raw);
    return core::success();
  };
  auto r = prepare("INSERT OR IGNORE INTO " + sql_identifier(options_.table) +
                       " (id, block_number, \"timestamp\", contract_address, from_address,"
                       " to_address, \"value\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   insert_row_);
  if (!r) return r;
  r = prepare("INSERT INTO " + sql_identifier(options_.positions_table) +
                  " (target_table, topic, \"partition\", next_offset, updated_at)"
                  " VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
                  " ON CONFLICT (target_table, topic, \"partition\") DO UPDATE"
                  " SET next_offset = MAX(next_offset, excluded.next_offset),"
                  " updated_at = excluded.updated_at",
              upsert_position_);
  if (!r) return r;
  if (!begin_) {
    if (r = prepare("BEGIN IMMEDIATE", begin_); !r) return r;
    if (r = prepare("COMMIT", commit_); !r) return r;
  }
  return r;
}

core::Result<std::size_t> SqliteStore::write(std::span<const core::Transfer> rows,
                                             const core::Positions& positions,
                                             const CommitGate& gate) {
  if (!db_) {
    return make_error(errc::unavailable,
                      "SQLite database " + options_.path + " is not open: call connect() first");
  }
  for (const auto& row : rows) {
    if (row.block_number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return make_error(errc::rejected, "transfer '" + row.id.value.substr(0, 80) +
                                            "' cannot be stored in " + options_.table +
                                            ": block_number " + std::to_string(row.block_number) +
                                            " is above SQLite's INTEGER range");
    }
  }
  if (rows.empty() && positions.empty()) return std::size_t{0};
  if (auto p = prepare_statements(); !p) return std::move(p).error();
  if (int rc = sqlite3_step(begin_.get()); rc != SQLITE_DONE) {
    core::Error e = error(rc, "starting a transaction on");
    sqlite3_reset(begin_.get());
    return e;
  }
  sqlite3_reset(begin_.get());
  auto written = write_in_transaction(rows, positions);
  if (written && gate && !gate()) {
    written = make_error(errc::aborted, "batch for " + options_.table +
                                            " rolled back: an earlier batch did not commit");
  }
  if (written) {
    const int rc = sqlite3_step(commit_.get());
    if (rc == SQLITE_DONE) {
      sqlite3_reset(commit_.get());
      return written;
    }
    written = error(rc, "committing a batch to");
    sqlite3_reset(commit_.get());
  }
  if (!sqlite3_get_autocommit(db_.get())) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return written;
}

core::Result<std::size_t> SqliteStore::write_in_transaction(std::span<const core::Transfer> rows,
                                                            const core::Positions& positions) {
  sqlite3* db = db_.get();
  sqlite3_stmt* insert = insert_row_.get();
  // One set of buffers for every row: bound as SQLITE_STATIC, valid until the step is done.
  char time_buf[core::kIsoMaxSize + 8];
  char addresses[3][core::Address::kTextSize];
  char value_buf[core::Uint256::kMaxDecimalDigits];
  std::size_t added = 0;
  for (const auto& row : rows) {
    const std::size_t time_size = write_sortable_time(row.timestamp, time_buf);
    row.contract_address.write_hex(addresses[0]);
    row.from_address.write_hex(addresses[1]);
    row.to_address.write_hex(addresses[2]);
    const std::size_t value_size = row.value.write_decimal(value_buf);
    sqlite3_bind_text(insert, 1, row.id.value.data(), static_cast<int>(row.id.value.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(insert, 2, static_cast<sqlite3_int64>(row.block_number));
    sqlite3_bind_text(insert, 3, time_buf, static_cast<int>(time_size), SQLITE_STATIC);
    for (int i = 0; i < 3; ++i) {
      sqlite3_bind_text(insert, 4 + i, addresses[i], static_cast<int>(core::Address::kTextSize),
                        SQLITE_STATIC);
    }
    sqlite3_bind_text(insert, 7, value_buf, static_cast<int>(value_size), SQLITE_STATIC);
    const int rc = sqlite3_step(insert);
    if (rc != SQLITE_DONE) {
      core::Error e = error(rc, "inserting a batch into");
      sqlite3_reset(insert);
      return e;
    }
    sqlite3_reset(insert);
    added += static_cast<std::size_t>(sqlite3_changes(db));
  }
  sqlite3_stmt* upsert = upsert_position_.get();
  for (const auto& position : positions) {
    sqlite3_bind_text(upsert, 1, options_.table.data(), static_cast<int>(options_.table.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(upsert, 2, position.topic.data(), static_cast<int>(position.topic.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int(upsert, 3, position.partition.value);
    sqlite3_bind_int64(upsert, 4, position.next_offset.value);
    const int rc = sqlite3_step(upsert);
    if (rc != SQLITE_DONE) {
      core::Error e = error(rc, "storing the positions of");
      sqlite3_reset(upsert);
      return e;
    }
    sqlite3_reset(upsert);
  }
  return added;
}

core::Result<core::Positions> SqliteStore::load_positions(
    const std::string& topic, const std::vector<core::Partition>& partitions) {
  if (!db_) {
    return make_error(errc::unavailable,
                      "SQLite database " + options_.path + " is not open: call connect() first");
  }
  const std::string sql = "SELECT \"partition\", next_offset FROM " +
                          sql_identifier(options_.positions_table) +
                          " WHERE target_table = ?1 AND topic = ?2 ORDER BY \"partition\"";
  sqlite3_stmt* raw = nullptr;
  if (int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr); rc != SQLITE_OK) {
    return error(rc, "loading the positions of");
  }
  StmtPtr stmt(raw);
  sqlite3_bind_text(raw, 1, options_.table.data(), static_cast<int>(options_.table.size()),
                    SQLITE_STATIC);
  sqlite3_bind_text(raw, 2, topic.data(), static_cast<int>(topic.size()), SQLITE_STATIC);
  core::Positions out;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    const core::Partition partition{sqlite3_column_int(raw, 0)};
    if (std::find(partitions.begin(), partitions.end(), partition) == partitions.end()) continue;
    out.push_back({topic, partition, core::Offset{sqlite3_column_int64(raw, 1)}});
  }
  if (rc != SQLITE_DONE) return error(rc, "loading the positions of");
  // Positions for an empty table: it was emptied or dropped and created again, and they
  // would skip everything it held. (A topic of nothing but dead letters also gets here: it
  // is read again, at the cost of its dead letters sent twice.)
  if (!out.empty()) {
    auto rows = count_rows();
    if (!rows) return std::move(rows).error();
    if (*rows == 0) {
      spdlog::warn(
          "sink: {} is empty but holds positions of {} partitions of {}: the table was emptied "
          "or created again; forgetting them, they start where auto.offset.reset says",
          options_.table, out.size(), topic);
      if (auto forgotten = forget_positions(); !forgotten) return std::move(forgotten).error();
      out.clear();
    }
  }
  return out;
}

core::Result<std::size_t> SqliteStore::forget_positions() {
  if (!db_) {
    return make_error(errc::unavailable,
                      "SQLite database " + options_.path + " is not open: call connect() first");
  }
  const std::string sql =
      "DELETE FROM " + sql_identifier(options_.positions_table) + " WHERE target_table = ?1";
  sqlite3_stmt* raw = nullptr;
  if (int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr); rc != SQLITE_OK) {
    return error(rc, "forgetting the positions of");
  }
  StmtPtr stmt(raw);
  sqlite3_bind_text(raw, 1, options_.table.data(), static_cast<int>(options_.table.size()),
                    SQLITE_STATIC);
  if (int rc = sqlite3_step(raw); rc != SQLITE_DONE) return error(rc, "forgetting the positions of");
  return static_cast<std::size_t>(sqlite3_changes(db_.get()));
}

core::Result<void> SqliteStore::replace_positions(const core::Positions& positions) {
  if (!db_) {
    return make_error(errc::unavailable,
                      "SQLite database " + options_.path + " is not open: call connect() first");
  }
  const std::string sql = "INSERT INTO " + sql_identifier(options_.positions_table) +
                          " (target_table, topic, \"partition\", next_offset, updated_at)"
                          " VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
                          " ON CONFLICT (target_table, topic, \"partition\") DO UPDATE"
                          " SET next_offset = excluded.next_offset, updated_at = excluded.updated_at";
  sqlite3_stmt* raw = nullptr;
  if (int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr); rc != SQLITE_OK) {
    return error(rc, "moving the positions of");
  }
  StmtPtr stmt(raw);
  if (auto r = exec("BEGIN IMMEDIATE", "moving the positions of"); !r) return r;
  for (const auto& position : positions) {
    sqlite3_bind_text(raw, 1, options_.table.data(), static_cast<int>(options_.table.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(raw, 2, position.topic.data(), static_cast<int>(position.topic.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int(raw, 3, position.partition.value);
    sqlite3_bind_int64(raw, 4, position.next_offset.value);
    if (int rc = sqlite3_step(raw); rc != SQLITE_DONE) {
      core::Error e = error(rc, "moving the positions of");
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
    sqlite3_reset(raw);
  }
  return exec("COMMIT", "moving the positions of");
}

core::Result<std::uint64_t> SqliteStore::count_rows() {
  if (!db_) {
    return make_error(errc::unavailable,
                      "SQLite database " + options_.path + " is not open: call connect() first");
  }
  sqlite3_stmt* raw = nullptr;
  const std::string sql = "SELECT count(*) FROM " + sql_identifier(options_.table);
  if (int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr); rc != SQLITE_OK) {
    return error(rc, "counting the rows of");
  }
  StmtPtr stmt(raw);
  if (int rc = sqlite3_step(raw); rc != SQLITE_ROW) return error(rc, "counting the rows of");
  return static_cast<std::uint64_t>(sqlite3_column_int64(raw, 0));
}

}  // namespace tokenflow::sinks
