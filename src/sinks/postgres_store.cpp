#include "sinks/postgres_store.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "sinks/errc.hpp"
#include "sinks/postgres_url.hpp"

namespace tokenflow::sinks {
namespace {

// COPY data goes to libpq in chunks this size while the rest of the batch is encoded, so
// the server starts on the rows before the client has encoded the last of them.
constexpr std::size_t kChunkBytes = 256 * 1024;
// After a duplicate id undid a fast attempt, this many batches go straight to staging: a
// replayed range tends to be followed by more of itself.
constexpr int kCooldownBatches = 16;
constexpr const char* kUpsertStatement = "tokenflow_upsert_positions";
constexpr const char* kMergeStatement = "tokenflow_merge_staged";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// Kafka's own rule for topic names; it also means a name needs no quoting inside SQL.
bool valid_topic(std::string_view topic) {
  if (topic.empty() || topic.size() > 249) return false;
  return std::all_of(topic.begin(), topic.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// Failures worth retrying with the same batch after connect(): the connection (class 08),
// the server shutting down or starting (57P01-57P03), no free connection slot (53300), and
// transaction conflicts (40001, 40P01).
bool is_retryable(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03" || sqlstate == "53300" || sqlstate == "40001" || sqlstate == "40P01";
}

std::string trimmed(const char* text) {
  std::string s = text == nullptr ? "" : text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string escape_identifier(PGconn* conn, const std::string& name) {
  char* escaped = PQescapeIdentifier(conn, name.data(), name.size());
  if (escaped == nullptr) return "\"" + name + "\"";  // names are validated: no quotes inside
  std::string out = escaped;
  PQfreemem(escaped);
  return out;
}

std::string escape_literal(PGconn* conn, const std::string& text) {
  char* escaped = PQescapeLiteral(conn, text.data(), text.size());
  if (escaped == nullptr) return "'" + text + "'";
  std::string out = escaped;
  PQfreemem(escaped);
  return out;
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, end);
}

std::string position_name(const std::string& topic, std::int32_t partition) {
  return topic + "[" + std::to_string(partition) + "]";
}

// Notices are chatter ("relation already exists, skipping"); warnings are ours and the
// server's to the user.
void log_notice(void*, const PGresult* result) {
  const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity != nullptr && std::string_view(severity) == "WARNING") {
    spdlog::warn("postgres: {}", trimmed(PQresultErrorMessage(result)));
  } else {
    spdlog::debug("postgres: {}", trimmed(PQresultErrorMessage(result)));
  }
}

}  // namespace

template <class Table>
void BasicPostgresStore<Table>::ConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

template <class Table>
BasicPostgresStore<Table>::BasicPostgresStore(PostgresStoreOptions options)
    : options_(std::move(options)),
      table_name_(options_.schema + "." + options_.table),
      described_url_(describe_url(options_.url)),
      encoder_(options_.copy_format) {}

template <class Table>
BasicPostgresStore<Table>::~BasicPostgresStore() = default;

template <class Table>
core::Result<void> BasicPostgresStore<Table>::validate(const PostgresStoreOptions& options) {
  if (auto names =
          PostgresSchema::validate({options.schema, options.table, options.positions_table});
      !names) {
    return names;
  }
  return check_postgres_url(options.url);
}

template <class Table>
std::string BasicPostgresStore<Table>::describe_url(std::string_view url) { return describe_postgres_url(url); }

template <class Table>
core::Error BasicPostgresStore<Table>::connection_error(const char* what) {
  return make_error(errc::unavailable,
                    "PostgreSQL at " + described_url_ + " is unavailable while " + what + " " +
                        table_name_ + ": " + trimmed(conn_ ? PQerrorMessage(conn_.get()) : "") +
                        "; the batch is kept: reconnect and retry");
}

template <class Table>
core::Error BasicPostgresStore<Table>::error_from(PGresult* result, const char* what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  const bool connection_lost = !conn_ || PQstatus(conn_.get()) != CONNECTION_OK;
  if (connection_lost || sqlstate.empty() || is_retryable(sqlstate)) {
    if (connection_lost || sqlstate.empty()) {
      std::string message = result != nullptr ? trimmed(PQresultErrorMessage(result)) : "";
      if (message.empty()) message = trimmed(conn_ ? PQerrorMessage(conn_.get()) : "");
      // No SQLSTATE: libpq's own error, most often the connection dying under the query
      // ("server closed the connection unexpectedly") before PQstatus says so. Reconnecting
      // and retrying is safe whatever it was; stopping the sink on it was not.
      return make_error(errc::unavailable, "PostgreSQL at " + described_url_ + " went away while " +
                                               what + " " + table_name_ + ": " + message +
                                               "; the batch is kept: reconnect and retry");
    }
    return make_error(
        errc::unavailable,
        "PostgreSQL at " + described_url_ + " cannot serve " + what + " " + table_name_ +
            " right now: " + trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) +
            " (SQLSTATE " + sqlstate + "); the batch is kept: reconnect and retry");
  }
  std::string message = "PostgreSQL rejected " + std::string(what) + " " + table_name_ + ": " +
                        trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) +
                        " (SQLSTATE " + sqlstate + ")";
  if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)) {
    message += "; " + trimmed(detail);
  }
  if (const char* hint = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT)) {
    message += "; hint: " + trimmed(hint);
  }
  if (sqlstate == "42P01" || sqlstate == "3F000") {
    message += "; run `tokenflow init-schema` to create the schema and tables";
  }
  return make_error(errc::rejected, std::move(message));
}

template <class Table>
void BasicPostgresStore<Table>::rollback_if_open() {
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) return;
  const auto status = PQtransactionStatus(conn_.get());
  if (status == PQTRANS_IDLE) return;
  if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) {
    ResultPtr result(PQexec(conn_.get(), "ROLLBACK"));
    if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) return;
  }
  // A session in a state we cannot vouch for is dropped: the next call reconnects.
  conn_.reset();
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::ensure_connected() {
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    return make_error(errc::unavailable, "not connected to PostgreSQL at " + described_url_ + " (" +
                                             table_name_ + "): call connect() first");
  }
  return core::success();
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::exec(const std::string& sql, const char* what) {
  if (auto c = ensure_connected(); !c) return c;
  ResultPtr result(PQexec(conn_.get(), sql.c_str()));
  const auto status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return core::success();
  core::Error error = error_from(result.get(), what);
  rollback_if_open();
  return error;
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::connect() {
  if (auto v = validate(options_); !v) return v;
  conn_.reset();
  session_prepared_ = false;
  staging_ready_ = false;
  const std::string timeout = std::to_string(options_.connect_timeout_seconds);
  // Later keywords win, so what the URL says overrides the timeout and application name.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), options_.application_name.c_str(), options_.url.c_str(),
                          nullptr};
  conn_.reset(PQconnectdbParams(keywords, values, 1));
  if (!conn_) {
    return make_error(errc::unavailable,
                      "cannot connect to PostgreSQL at " + described_url_ + ": out of memory");
  }
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    core::Error error =
        make_error(errc::unavailable,
                   "cannot connect to PostgreSQL at " + described_url_ + " (" + table_name_ +
                       "): " + trimmed(PQerrorMessage(conn_.get())) + "; retrying");
    conn_.reset();
    return error;
  }
  PQsetNoticeReceiver(conn_.get(), log_notice, nullptr);
  PGconn* conn = conn_.get();
  schema_.emplace(
      PostgresNames{options_.schema, options_.table, options_.positions_table}, Table::kShape,
      [conn](const std::string& name) { return escape_identifier(conn, name); },
      [conn](const std::string& text) { return escape_literal(conn, text); });
  // Asynchronous commit is safe for this sink because a batch's positions commit in the same
  // transaction as its rows: a server crash loses both together, and the sink reads them
  // from Kafka again, provided it rewinds when told (README.md, check_lost_positions()).
  switch (options_.synchronous_commit) {
    case SynchronousCommit::off:
      if (auto r = exec("SET synchronous_commit = off", "configuring the session for"); !r) {
        return r;
      }
      break;
    case SynchronousCommit::on:
      if (auto r = exec("SET synchronous_commit = on", "configuring the session for"); !r) {
        return r;
      }
      break;
    case SynchronousCommit::server_default:
      break;
  }
  return check_lost_positions();
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::check_lost_positions() {
  if (acknowledged_.empty()) return core::success();
  const char* params[] = {table_name_.c_str()};
  ResultPtr result(PQexecParams(conn_.get(), schema_->positions_of_table.c_str(), 1, nullptr,
                                params, nullptr, nullptr, 0));
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> stored;
  if (PQresultStatus(result.get()) == PGRES_TUPLES_OK) {
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      stored[{PQgetvalue(result.get(), i, 0),
              static_cast<std::int32_t>(std::atol(PQgetvalue(result.get(), i, 1)))}] =
          std::atoll(PQgetvalue(result.get(), i, 2));
    }
  } else {
    const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (state == nullptr || std::string_view(state) != "42P01") {
      core::Error error = error_from(result.get(), "checking the stored positions of");
      rollback_if_open();
      return error;
    }
    // The positions table itself is gone: everything acknowledged is lost.
  }
  for (const auto& [key, offset] : acknowledged_) {
    auto it = stored.find(key);
    const std::int64_t now_stored = it == stored.end() ? -1 : it->second;
    if (now_stored >= offset) continue;
    spdlog::warn(
        "{}: PostgreSQL at {} holds next offset {} in {} but {} was committed before the "
        "connection was lost (asynchronous commit and a server crash?); writes to it are "
        "refused until the sink reloads its positions and reads from there again",
        position_name(key.first, key.second), described_url_, now_stored, table_name_, offset);
    rewind_.insert(key);
  }
  return core::success();
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::init_schema() {
  if (auto c = ensure_connected(); !c) return c;
  // Statements already prepared stay valid: PostgreSQL re-plans them when tables change.
  return exec(schema_->create, "creating the schema of");
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::prepare_session() {
  if (session_prepared_) return core::success();
  ResultPtr result(
      PQprepare(conn_.get(), kUpsertStatement, schema_->upsert_positions.c_str(), 3, nullptr));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (state == nullptr || std::string_view(state) != "42703") {
      return error_from(result.get(), "preparing the positions upsert of");
    }
    // No table_oid column yet (--no-init-schema on an older schema): forget_stale_positions()
    // says what that costs.
    result.reset(PQprepare(conn_.get(), kUpsertStatement,
                           schema_->upsert_positions_without_oid.c_str(), 3, nullptr));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return error_from(result.get(), "preparing the positions upsert of");
    }
  }
  session_prepared_ = true;
  return core::success();
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::ensure_staging() {
  if (staging_ready_) return core::success();
  if (auto r = exec(schema_->create_staging, "creating the staging table for"); !r) return r;
  ResultPtr result(
      PQprepare(conn_.get(), kMergeStatement, schema_->merge_staged.c_str(), 0, nullptr));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return error_from(result.get(), "preparing the staged insert into");
  }
  staging_ready_ = true;
  return core::success();
}

template <class Table>
void BasicPostgresStore<Table>::append_positions_sql(const core::Positions& positions) {
  // Topic names are checked against Kafka's alphabet, so they need no escaping here.
  sql_ += "EXECUTE ";
  sql_ += kUpsertStatement;
  sql_ += "('{";
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (i != 0) sql_ += ',';
    sql_ += '"';
    sql_ += positions[i].topic;
    sql_ += '"';
  }
  sql_ += "}','{";
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (i != 0) sql_ += ',';
    append_int(sql_, positions[i].partition.value);
  }
  sql_ += "}','{";
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (i != 0) sql_ += ',';
    append_int(sql_, positions[i].next_offset.value);
  }
  sql_ += "}');";
}

template <class Table>
core::Result<std::size_t> BasicPostgresStore<Table>::run_batch(std::span<const Row> rows,
                                                   const core::Positions& positions, Path path,
                                                   const CommitGate& gate, bool& unique_violation) {
  unique_violation = false;
  PGconn* conn = conn_.get();
  // The whole batch is one simple-query message: the server runs the statements after COPY
  // as soon as the data ends, so a batch costs two round trips (three with a gate, whose
  // COMMIT waits for its turn).
  sql_.clear();
  sql_ += "BEGIN;";
  if (!rows.empty()) {
    sql_ += "COPY ";
    sql_ += path == Path::fast ? std::string_view(schema_->target)
                               : std::string_view(PostgresSchema::kStagingTable);
    sql_ += ' ';
    sql_ += Table::kShape.copy_columns;
    sql_ += " FROM STDIN";
    sql_ += encoder_.copy_options();
    sql_ += ';';
    if (path == Path::staged) {
      sql_ += "EXECUTE ";
      sql_ += kMergeStatement;
      sql_ += ';';
    }
  }
  // With a gate the positions wait for the batch's turn too: two open transactions updating
  // the same partition's row would otherwise lock each other (the later one holds the row,
  // the earlier one waits for it, and the later one waits for the earlier one's commit).
  if (!gate) {
    if (!positions.empty()) append_positions_sql(positions);
    sql_ += "COMMIT";
  }

  const char* what = "writing a batch to";
  if (PQsendQuery(conn, sql_.c_str()) == 0) {
    if (PQstatus(conn) != CONNECTION_OK) return connection_error(what);
    core::Error error =
        make_error(errc::rejected, "libpq refused to send a batch for " + table_name_ + ": " +
                                       trimmed(PQerrorMessage(conn)));
    rollback_if_open();
    return error;
  }

  std::optional<core::Error> failure;
  std::string failure_state;
  auto note_failure = [&](PGresult* result) {
    if (failure) return;
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    failure_state = state != nullptr ? state : "";
    failure = error_from(result, what);
  };

  // BEGIN, then COPY's request for data (or an error, or the end when there is no COPY).
  bool in_copy = false;
  bool committed = false;
  std::size_t copied = 0;
  std::size_t merged = 0;
  int after_copy = 0;
  auto note_result = [&](PGresult* result) {
    const auto status = PQresultStatus(result);
    if (status == PGRES_COMMAND_OK) {
      const std::string_view tag = PQcmdStatus(result);
      if (tag.starts_with("COPY ")) {
        copied = std::strtoull(PQcmdTuples(result), nullptr, 10);
        after_copy = 1;
      } else if (tag.starts_with("INSERT ") && after_copy == 1 && path == Path::staged) {
        merged = std::strtoull(PQcmdTuples(result), nullptr, 10);
        after_copy = 2;
      } else if (tag == "COMMIT") {
        committed = true;
      }
    } else if (status != PGRES_TUPLES_OK) {
      note_failure(result);
    }
  };
  while (PGresult* raw = PQgetResult(conn)) {
    ResultPtr result(raw);
    if (PQresultStatus(raw) == PGRES_COPY_IN) {
      in_copy = true;
      break;
    }
    note_result(raw);
  }

  std::optional<core::Error> encode_error;
  if (in_copy) {
    bool sent = true;
    encoder_.begin();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& row = order_.empty() ? rows[i] : rows[order_[i]];
      if (auto a = encoder_.append(row); !a) {
        encode_error = std::move(a).error();
        break;
      }
      if (encoder_.pending().size() >= kChunkBytes) {
        const auto bytes = encoder_.pending();
        if (PQputCopyData(conn, bytes.data(), static_cast<int>(bytes.size())) != 1) {
          sent = false;
          break;
        }
        encoder_.consume();
      }
    }
    if (sent && !encode_error) {
      encoder_.finish();
      const auto bytes = encoder_.pending();
      sent = PQputCopyData(conn, bytes.data(), static_cast<int>(bytes.size())) == 1;
    }
    encoder_.consume();
    // A refused row aborts the COPY, and with it the transaction.
    PQputCopyEnd(conn, encode_error ? "tokenflow: a row of the batch cannot be stored" : nullptr);
    while (PGresult* raw = PQgetResult(conn)) {
      ResultPtr result(raw);
      if (PQresultStatus(raw) == PGRES_COPY_IN) {
        // Only if libpq could not deliver the end of data; the connection is unusable.
        conn_.reset();
        return make_error(errc::unavailable, "lost the COPY stream to PostgreSQL at " +
                                                 described_url_ + " (" + table_name_ +
                                                 "); the batch is kept: reconnect and retry");
      }
      note_result(raw);
    }
  }

  if (!failure && gate) {
    if (!gate()) {
      rollback_if_open();
      return make_error(errc::aborted, "batch for " + table_name_ +
                                           " rolled back: an earlier batch did not commit");
    }
    sql_.clear();
    if (!positions.empty()) append_positions_sql(positions);
    sql_ += "COMMIT";
    // One message: PQexec answers with the last statement's result, or the first error.
    ResultPtr result(PQexec(conn, sql_.c_str()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      if (PQstatus(conn) != CONNECTION_OK) return connection_error("committing a batch to");
      failure = error_from(result.get(), "committing a batch to");
    } else {
      committed = std::string_view(PQcmdStatus(result.get())) == "COMMIT";
    }
  }
  if (!failure && !committed) {
    failure = make_error(errc::rejected, "PostgreSQL did not commit a batch for " + table_name_ +
                                             " (no COMMIT acknowledged)");
  }
  if (failure) {
    if (!conn_ || PQstatus(conn) != CONNECTION_OK) {
      if (failure->code != make_error_code(errc::unavailable)) return connection_error(what);
      return *failure;
    }
    rollback_if_open();
    if (encode_error) return *encode_error;
    unique_violation = failure_state == "23505" && path == Path::fast;
    return *failure;
  }
  return path == Path::fast ? copied : merged;
}

template <class Table>
core::Result<std::size_t> BasicPostgresStore<Table>::write(std::span<const Row> rows,
                                               const core::Positions& positions,
                                               const CommitGate& gate) {
  if (auto c = ensure_connected(); !c) return std::move(c).error();
  for (const auto& position : positions) {
    if (!valid_topic(position.topic)) {
      return make_error(errc::rejected, "cannot store a position of topic '" +
                                            position.topic.substr(0, 300) + "' in " + table_name_ +
                                            ": not a Kafka topic name");
    }
    if (!rewind_.empty() && rewind_.count({position.topic, position.partition.value}) != 0) {
      return make_error(errc::rewind,
                        position_name(position.topic, position.partition.value) + ": " +
                            table_name_ +
                            " lost rows this sink had committed (asynchronous "
                            "commit and a server crash); reload its positions and read from "
                            "there again before writing");
    }
  }
  if (rows.empty() && positions.empty()) return std::size_t{0};
  if (auto p = prepare_session(); !p) return std::move(p).error();

  // Ids repeated inside the batch would fail the fast path for sure: spot them first.
  bool repeats = false;
  order_.clear();
  if (rows.size() > 1 && options_.sort_by_id) {
    // Sorted, the rows reach the primary key's B-tree in key order: each insert finds the
    // pages the one before it used still in cache. Repeats end up side by side.
    order_.resize(rows.size());
    for (std::uint32_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::sort(order_.begin(), order_.end(), [&](std::uint32_t a, std::uint32_t b) {
      return Table::id_of(rows[a]) < Table::id_of(rows[b]);
    });
    for (std::size_t i = 1; i < order_.size() && !repeats; ++i) {
      repeats = Table::id_of(rows[order_[i]]) == Table::id_of(rows[order_[i - 1]]);
    }
  } else if (rows.size() > 1) {
    // By hash: a collision only costs the slower path.
    hashes_.clear();
    for (const auto& row : rows) hashes_.push_back(std::hash<std::string_view>{}(Table::id_of(row)));
    std::sort(hashes_.begin(), hashes_.end());
    repeats = std::adjacent_find(hashes_.begin(), hashes_.end()) != hashes_.end();
  }

  bool try_fast = options_.fast_path && !repeats && !rows.empty();
  if (try_fast && fast_path_cooldown_ > 0) {
    --fast_path_cooldown_;
    try_fast = false;
  }
  bool unique_violation = false;
  if (try_fast) {
    auto r = run_batch(rows, positions, Path::fast, gate, unique_violation);
    if (r) {
      ++stats_.fast_batches;
      stats_.rows_written += *r;
      remember_written(positions);
      return r;
    }
    if (!unique_violation) return r;
    ++stats_.fast_conflicts;
    fast_path_cooldown_ = kCooldownBatches;
    spdlog::debug(
        "{}: a batch of {} rows holds ids already stored; writing it through the "
        "staging table",
        table_name_, rows.size());
  }
  if (!rows.empty()) {
    if (auto s = ensure_staging(); !s) return std::move(s).error();
  }
  auto r = run_batch(rows, positions, Path::staged, gate, unique_violation);
  if (r) {
    if (!rows.empty()) ++stats_.staged_batches;
    stats_.rows_written += *r;
    remember_written(positions);
  }
  return r;
}

template <class Table>
void BasicPostgresStore<Table>::remember_written(const core::Positions& positions) {
  for (const auto& position : positions) {
    auto [it, inserted] = acknowledged_.try_emplace({position.topic, position.partition.value},
                                                    position.next_offset.value);
    if (!inserted) it->second = std::max(it->second, position.next_offset.value);
  }
}

template <class Table>
core::Result<core::Positions> BasicPostgresStore<Table>::load_positions(
    const std::string& topic, const std::vector<core::Partition>& partitions) {
  if (auto c = ensure_connected(); !c) return std::move(c).error();
  core::Positions out;
  if (partitions.empty()) return out;
  if (!options_.read_only_positions) {
    if (auto forgotten = forget_stale_positions(); !forgotten) return std::move(forgotten).error();
  }
  std::string array = "{";
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    if (i != 0) array += ',';
    append_int(array, partitions[i].value);
  }
  array += '}';
  const char* params[] = {table_name_.c_str(), topic.c_str(), array.c_str()};
  ResultPtr result(PQexecParams(conn_.get(),
                                options_.read_only_positions
                                    ? schema_->current_positions_of_partitions.c_str()
                                    : schema_->positions_of_partitions.c_str(),
                                3, nullptr, params, nullptr, nullptr, 0));
  if (options_.read_only_positions && PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (state != nullptr && std::string_view(state) == "42703") {  // no table_oid column yet
      rollback_if_open();
      result.reset(PQexecParams(conn_.get(), schema_->positions_of_partitions.c_str(), 3, nullptr,
                                params, nullptr, nullptr, 0));
    }
  }
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    core::Error error = error_from(result.get(), "loading the positions of");
    rollback_if_open();
    return error;
  }
  for (int i = 0; i < PQntuples(result.get()); ++i) {
    core::PartitionPosition position;
    position.topic = topic;
    position.partition.value = static_cast<std::int32_t>(std::atol(PQgetvalue(result.get(), i, 0)));
    position.next_offset.value = std::atoll(PQgetvalue(result.get(), i, 1));
    out.push_back(std::move(position));
  }
  // The consumer now resumes from these: they are what this store vouches for.
  for (const auto& partition : partitions) {
    const std::pair<std::string, std::int32_t> key{topic, partition.value};
    rewind_.erase(key);
    acknowledged_.erase(key);
  }
  remember_written(out);
  return out;
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::forget_stale_positions() {
  const char* params[] = {table_name_.c_str()};
  ResultPtr result(PQexecParams(conn_.get(), schema_->forget_stale_positions.c_str(), 1, nullptr,
                                params, nullptr, nullptr, 0));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    // A positions table from before table_oid (the sink runs with --no-init-schema): the
    // check needs `tokenflow init-schema` once; until then positions are trusted as before.
    if (state != nullptr && std::string_view(state) == "42703") {
      rollback_if_open();
      if (!warned_no_table_oid_) {
        spdlog::warn(
            "sink: {} has no table_oid column: a table dropped and created again would resume "
            "from the old table's positions; run `tokenflow init-schema` once to add it",
            schema_->positions);
        warned_no_table_oid_ = true;
      }
      return core::success();
    }
    core::Error error = error_from(result.get(), "checking the stored positions of");
    rollback_if_open();
    return error;
  }
  for (int i = 0; i < PQntuples(result.get()); ++i) {
    spdlog::warn(
        "sink: forgot the position {} of {} stored for an earlier table {} (dropped and created "
        "again): it starts where auto.offset.reset says",
        PQgetvalue(result.get(), i, 2),
        position_name(PQgetvalue(result.get(), i, 0),
                      static_cast<std::int32_t>(std::atol(PQgetvalue(result.get(), i, 1)))),
        table_name_);
    acknowledged_.erase({PQgetvalue(result.get(), i, 0),
                         static_cast<std::int32_t>(std::atol(PQgetvalue(result.get(), i, 1)))});
  }
  return core::success();
}

template <class Table>
core::Result<std::size_t> BasicPostgresStore<Table>::forget_positions() {
  if (auto c = ensure_connected(); !c) return std::move(c).error();
  const char* params[] = {table_name_.c_str()};
  ResultPtr result(PQexecParams(conn_.get(), schema_->forget_positions.c_str(), 1, nullptr, params,
                                nullptr, nullptr, 0));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    core::Error error = error_from(result.get(), "forgetting the stored positions of");
    rollback_if_open();
    return error;
  }
  acknowledged_.clear();
  rewind_.clear();
  return static_cast<std::size_t>(std::strtoull(PQcmdTuples(result.get()), nullptr, 10));
}

template <class Table>
core::Result<void> BasicPostgresStore<Table>::replace_positions(const core::Positions& positions) {
  if (auto c = ensure_connected(); !c) return c;
  if (positions.empty()) return core::success();
  std::string topics = "{";
  std::string partitions = "{";
  std::string offsets = "{";
  for (std::size_t i = 0; i < positions.size(); ++i) {
    const char* comma = i == 0 ? "" : ",";
    // Topic names are checked against Kafka's alphabet: no escaping needed in the array.
    topics += comma + ('"' + positions[i].topic + '"');
    partitions += comma;
    append_int(partitions, positions[i].partition.value);
    offsets += comma;
    append_int(offsets, positions[i].next_offset.value);
  }
  topics += '}';
  partitions += '}';
  offsets += '}';
  const char* params[] = {topics.c_str(), partitions.c_str(), offsets.c_str()};
  ResultPtr result(PQexecParams(conn_.get(), schema_->replace_positions.c_str(), 3, nullptr,
                                params, nullptr, nullptr, 0));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    core::Error error = error_from(result.get(), "moving the stored positions of");
    rollback_if_open();
    return error;
  }
  for (const auto& p : positions) acknowledged_.erase({p.topic, p.partition.value});
  return core::success();
}

template <class Table>
core::Result<std::uint64_t> BasicPostgresStore<Table>::count_rows() {
  if (auto c = ensure_connected(); !c) return std::move(c).error();
  ResultPtr result(PQexec(conn_.get(), schema_->count_rows.c_str()));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    core::Error error = error_from(result.get(), "counting the rows of");
    rollback_if_open();
    return error;
  }
  return static_cast<std::uint64_t>(std::strtoull(PQgetvalue(result.get(), 0, 0), nullptr, 10));
}

std::string sink_application_name(const std::string& group) {
  // PostgreSQL keeps the first 63 bytes (NAMEDATALEN - 1).
  return ("tokenflow-sink " + group).substr(0, 63);
}

template <class Table>
core::Result<std::vector<std::string>> BasicPostgresStore<Table>::sessions_named(
    const std::string& application_name) {
  if (auto c = ensure_connected(); !c) return std::move(c).error();
  const char* params[] = {application_name.c_str()};
  ResultPtr result(PQexecParams(
      conn_.get(),
      "SELECT pid, coalesce(host(client_addr), 'a local socket'), "
      "to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
      "FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() "
      "AND pid <> pg_backend_pid() ORDER BY pid",
      1, nullptr, params, nullptr, nullptr, 0));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    core::Error error = error_from(result.get(), "listing the sessions of");
    rollback_if_open();
    return error;
  }
  std::vector<std::string> sessions;
  for (int i = 0; i < PQntuples(result.get()); ++i) {
    sessions.push_back(std::string("pid ") + PQgetvalue(result.get(), i, 0) + " from " +
                       PQgetvalue(result.get(), i, 1) + " since " + PQgetvalue(result.get(), i, 2));
  }
  return sessions;
}

template class BasicPostgresStore<TransferTable>;
template class BasicPostgresStore<PriceHistoryTable>;

}  // namespace tokenflow::sinks
