// PostgresServer: a real, throwaway PostgreSQL server (Debian's binaries) for integration
// tests and benchmarks: its own data directory under $TMPDIR, 127.0.0.1 on a free port, the
// `postgres` superuser with trust authentication. It can be stopped and started again on the
// same port and data, which is how tests take the database away in the middle of a stream.
//
// Lifecycle: one thread owns it. The constructor runs initdb and starts the server (throws
// std::runtime_error with the server's log on any failure); stop()/start() may alternate;
// the destructor stops the server and removes the directory.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

struct pg_conn;  // libpq's PGconn

namespace tokenflow::testing {

struct PostgresServerOptions {
  // Extra server settings written to postgresql.conf, e.g. {"fsync", "off"} for fast tests.
  // Benchmarks leave this empty so the server keeps Debian's defaults.
  std::map<std::string, std::string> settings;
  // initdb's --locale; C.UTF-8 is what Debian's own clusters get on these machines.
  std::string locale = "C.UTF-8";
  std::chrono::seconds start_timeout{60};
};

// Settings under which kill() surely loses the last commits made with asynchronous commit
// (what the sink's rewind must survive), provided the client writes nothing more between
// them and the kill: the WAL writer writes each page of WAL as it fills, but the page still
// being filled only every 10 s, and neither the background writer, autovacuum nor a
// checkpoint writes WAL out meanwhile. Commits made with synchronous_commit on are flushed
// as always.
std::map<std::string, std::string> settings_losing_async_commits_on_crash();

class PostgresServer {
 public:
  explicit PostgresServer(PostgresServerOptions options = {});
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Starts the server (again) on the same port and data directory and waits until it
  // accepts connections. No-op if it runs.
  void start();
  // Fast shutdown (`pg_ctl stop -m fast`): sessions are ended, committed work is kept.
  void stop();
  // Crash-like shutdown (`pg_ctl stop -m immediate`): no checkpoint, recovery at next start.
  void kill();
  bool running() const { return running_; }

  int port() const { return port_; }
  // postgresql://postgres@127.0.0.1:PORT/postgres
  std::string url() const;
  const std::string& directory() const { return dir_; }
  // What the server wrote to its log so far (for failure messages).
  std::string log() const;

  // Runs `sql` in a fresh session (like `psql -c`) and returns the rows of its last result,
  // each value as text ("" for NULL). Throws std::runtime_error with the server's message.
  std::vector<std::vector<std::string>> query(const std::string& sql) const;
  // Client sessions connected now, besides the one asking (pg_stat_activity): 0 once a
  // killed client's sessions have ended, and with them whatever they still had in flight.
  std::int64_t other_sessions() const;

 private:
  void init_cluster();
  bool try_start();  // false if the port was taken (first start only picks another)
  void wait_ready();
  void pg_ctl_stop(const char* mode);
  [[noreturn]] void fail(const std::string& what) const;

  PostgresServerOptions options_;
  std::string bin_dir_;
  std::string dir_;
  std::string data_dir_;
  std::string log_path_;
  int port_ = 0;
  bool running_ = false;
  bool as_postgres_user_ = false;  // running as root: initdb/pg_ctl run via runuser
};

// PostgresSession: one connection kept open between queries, for what spans several
// statements (a transaction holding a lock while the test looks elsewhere).
// Lifecycle: one thread owns it; the destructor closes the connection.
class PostgresSession {
 public:
  // Throws std::runtime_error when the server cannot be reached.
  explicit PostgresSession(const std::string& url);
  ~PostgresSession();
  PostgresSession(const PostgresSession&) = delete;
  PostgresSession& operator=(const PostgresSession&) = delete;

  // As PostgresServer::query, in this session.
  std::vector<std::vector<std::string>> query(const std::string& sql);

 private:
  std::string url_;
  pg_conn* conn_;
};

}  // namespace tokenflow::testing
