// RedisServer: a real, throwaway Redis (Debian's redis-server) for integration tests and
// benchmarks: its own directory under $TMPDIR, 127.0.0.1 on a free port, an append-only file
// (appendonly yes, appendfsync everysec) and no snapshots unless told otherwise. It can be
// stopped (SIGTERM: Redis flushes its append-only file) or killed (SIGKILL) and started again
// on the same port and data, which is how tests take Redis away mid-stream. With `tls` it
// listens with TLS only, a certificate for 127.0.0.1 and localhost signed by a CA of its own
// (ca_file()).
//
// Lifecycle: one thread owns it. The constructor starts the server (throws
// std::runtime_error with its log on failure); stop()/kill()/start() may alternate; the
// destructor stops it and removes the directory.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace tokenflow::testing {

struct RedisServerOptions {
  bool appendonly = true;
  std::string password;  // requirepass (the `default` user); empty: none
  bool tls = false;
  std::map<std::string, std::string> settings;  // more redis.conf lines
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void start();  // again, on the same port and data; waits until it answers PING
  void stop();   // SIGTERM and wait: Redis writes its append-only file out first
  void kill();   // SIGKILL: what the kernel had of the append-only file survives
  bool running() const { return process_ != nullptr; }

  int port() const { return port_; }
  // redis://127.0.0.1:PORT/0 (rediss:// with tls; the password in it, percent-encoded, when there is one).
  std::string url() const;
  const std::string& ca_file() const { return ca_file_; }
  const std::string& directory() const { return dir_; }
  std::string log() const;

  // A command's reply as text (an integer as digits, an array one element per line, nil as
  // ""); throws std::runtime_error on an error reply or a connection failure.
  std::string command(const std::vector<std::string>& args) const;
  std::map<std::string, std::string> hgetall(const std::string& key) const;
  // KEYS pattern, sorted.
  std::vector<std::string> keys(const std::string& pattern) const;

 private:
  void write_config();
  void make_certificates();

  RedisServerOptions options_;
  std::string dir_;
  std::string config_path_;
  std::string log_path_;
  std::string ca_file_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace tokenflow::testing
