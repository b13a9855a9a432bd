#include "support/postgres_server.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/child_process.hpp"

namespace tokenflow::testing {
namespace {

namespace fs = std::filesystem;

// The newest installed server: Debian keeps each major version in /usr/lib/postgresql/<N>.
std::string find_bin_dir() {
  const fs::path root = "/usr/lib/postgresql";
  int best = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      continue;
    }
    if (!fs::exists(entry.path() / "bin" / "pg_ctl") || !fs::exists(entry.path() / "bin/initdb")) {
      continue;
    }
    best = std::max(best, std::stoi(name));
  }
  if (best < 0) {
    throw std::runtime_error(
        "PostgresServer: no PostgreSQL server binaries under /usr/lib/postgresql/<version>/bin; "
        "install Debian's postgresql package");
  }
  return (root / std::to_string(best) / "bin").string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A value in postgresql.conf: single-quoted, quotes doubled.
std::string conf_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace

PostgresServer::PostgresServer(PostgresServerOptions options) : options_(std::move(options)) {
  bin_dir_ = find_bin_dir();
  as_postgres_user_ = ::geteuid() == 0;
  dir_ = make_temp_dir("tf-pg");
  data_dir_ = dir_ + "/data";
  log_path_ = dir_ + "/server.log";
  try {
    if (as_postgres_user_) {
      // initdb and the server refuse to run as root: the directory belongs to `postgres`.
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) {
        throw std::runtime_error(
            "PostgresServer: running as root but there is no `postgres` system user to run "
            "the server as (Debian's postgresql package creates it)");
      }
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        throw std::runtime_error("PostgresServer: cannot chown " + dir_ + " to postgres");
      }
    }
    ::chmod(dir_.c_str(), 0700);
    init_cluster();
    start();
  } catch (...) {
    if (running_) {
      try {
        pg_ctl_stop("immediate");
      } catch (...) {
      }
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

PostgresServer::~PostgresServer() {
  if (running_) {
    try {
      pg_ctl_stop("fast");
    } catch (...) {
      try {
        pg_ctl_stop("immediate");
      } catch (...) {
      }
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PostgresServer::url() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

std::string PostgresServer::log() const { return read_file(log_path_); }

std::map<std::string, std::string> settings_losing_async_commits_on_crash() {
  return {{"wal_writer_delay", "10s"},
          {"bgwriter_lru_maxpages", "0"},
          {"autovacuum", "off"},
          {"checkpoint_timeout", "1h"}};
}

std::vector<std::vector<std::string>> PostgresServer::query(const std::string& sql) const {
  return PostgresSession(url()).query(sql);
}

std::int64_t PostgresServer::other_sessions() const {
  const auto rows = query(
      "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> "
      "pg_backend_pid()");
  return std::stoll(rows.at(0).at(0));
}

PostgresSession::PostgresSession(const std::string& url)
    : url_(url), conn_(PQconnectdb(url.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("PostgresSession: cannot connect to " + url + ": " + message);
  }
}

PostgresSession::~PostgresSession() { PQfinish(conn_); }

std::vector<std::vector<std::string>> PostgresSession::query(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    std::string message = PQresultErrorMessage(result);
    PQclear(result);
    throw std::runtime_error("PostgresSession on " + url_ + ": " + sql + ": " + message);
  }
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < PQntuples(result); ++i) {
    auto& row = rows.emplace_back();
    for (int j = 0; j < PQnfields(result); ++j) row.emplace_back(PQgetvalue(result, i, j));
  }
  PQclear(result);
  return rows;
}

void PostgresServer::fail(const std::string& what) const {
  throw std::runtime_error("PostgresServer (" + dir_ + "): " + what + "\n--- server log ---\n" +
                           log());
}

namespace {

CommandResult run_pg(bool as_postgres_user, std::vector<std::string> argv,
                     std::chrono::milliseconds timeout) {
  if (as_postgres_user) {
    argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  }
  return run_command(std::move(argv), timeout);
}

}  // namespace

void PostgresServer::init_cluster() {
  auto result = run_pg(as_postgres_user_,
                       {bin_dir_ + "/initdb", "-D", data_dir_, "-U", "postgres", "-A", "trust",
                        "-E", "UTF8", "--locale=" + options_.locale, "--no-sync"},
                       std::chrono::seconds(120));
  if (result.exit_code != 0) {
    fail("initdb exited with " + std::to_string(result.exit_code) + ":\n" + result.output);
  }
  // Later lines of postgresql.conf win over earlier ones, so appending overrides defaults.
  std::ofstream conf(data_dir_ + "/postgresql.conf", std::ios::app);
  conf << "\n# tokenflow test server\n"
       << "listen_addresses = '127.0.0.1'\n"
       << "unix_socket_directories = " << conf_quote(dir_) << "\n";
  for (const auto& [name, value] : options_.settings) {
    conf << name << " = " << conf_quote(value) << "\n";
  }
  if (!conf.flush()) fail("cannot append to " + data_dir_ + "/postgresql.conf");
}

void PostgresServer::start() {
  if (running_) return;
  const bool first_start = port_ == 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (port_ == 0) port_ = free_loopback_port();
    if (try_start()) {
      running_ = true;
      wait_ready();
      return;
    }
    // Another process took the port between free_loopback_port() and the bind. A restart
    // must keep its port (clients hold the URL), so only the first start moves on.
    if (!first_start) break;
    port_ = 0;
  }
  fail("the server did not start on 127.0.0.1:" + std::to_string(port_));
}

bool PostgresServer::try_start() {
  const auto log_size_before = log().size();
  const auto timeout_s = std::to_string(options_.start_timeout.count());
  auto result = run_pg(as_postgres_user_,
                       {bin_dir_ + "/pg_ctl", "-D", data_dir_, "-l", log_path_, "-w", "-t",
                        timeout_s, "-o", "-c port=" + std::to_string(port_), "start"},
                       options_.start_timeout + std::chrono::seconds(10));
  if (result.exit_code == 0) return true;
  const std::string new_log = log().substr(std::min(log_size_before, log().size()));
  if (new_log.find("could not bind") != std::string::npos ||
      new_log.find("Address already in use") != std::string::npos) {
    return false;
  }
  fail("pg_ctl start exited with " + std::to_string(result.exit_code) + ":\n" + result.output);
}

void PostgresServer::wait_ready() {
  const std::string conninfo = url() + "?connect_timeout=2";
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  fail("the server did not accept connections on " + url() + " within " +
       std::to_string(options_.start_timeout.count()) + " s");
}

void PostgresServer::stop() {
  if (!running_) return;
  pg_ctl_stop("fast");
}

void PostgresServer::kill() {
  if (!running_) return;
  pg_ctl_stop("immediate");
}

void PostgresServer::pg_ctl_stop(const char* mode) {
  auto result = run_pg(as_postgres_user_,
                       {bin_dir_ + "/pg_ctl", "-D", data_dir_, "-m", mode, "-w", "-t", "60",
                        "stop"},
                       std::chrono::seconds(70));
  if (result.exit_code != 0) {
    fail(std::string("pg_ctl stop -m ") + mode + " exited with " +
         std::to_string(result.exit_code) + ":\n" + result.output);
  }
  running_ = false;
}

}  // namespace tokenflow::testing
