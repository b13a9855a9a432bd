// RedisConnection: one connection to a Redis server, plain TCP or TLS (OpenSSL: the
// server's certificate verified against --redis-ca or the system store, its name checked,
// SNI sent), logged in (AUTH user password, or password alone), on the URL's database
// (SELECT) and named (CLIENT SETNAME, so `tokenflow replay` can see a running sink).
// Commands are formatted and replies parsed by hiredis (redisFormatCommandArgv, redisReader);
// hiredis 0.14 has no TLS, so the socket is ours. Pipelining: append() any number of
// commands, flush() once, then read_reply() once per command.
//
// Errors: sinks::errc::unavailable when the server cannot be reached, the connection drops
// or a read/write times out (the connection is then closed: connect() again), and for
// replies that say the server is not ready (LOADING, BUSY, MASTERDOWN, TRYAGAIN);
// sinks::errc::rejected for what retrying cannot fix (a certificate that does not verify,
// a wrong password, a database number the server does not have).
//
// Lifecycle: one thread at a time; connect() may be called again after any error.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "sinks/redis_url.hpp"

struct redisReply;
struct redisReader;
struct ssl_st;
struct ssl_ctx_st;

namespace tokenflow::sinks {

struct RedisConnectionOptions {
  RedisEndpoint endpoint;
  // For rediss://: a PEM file of the CA certificates to trust; empty: the system's store.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{5'000};
  // A read or write waiting longer than this fails the connection (a server that stopped
  // answering, a network partition): the caller reconnects and retries.
  std::chrono::milliseconds io_timeout{10'000};
  std::string client_name;  // CLIENT SETNAME; empty: none
};

// One reply, owned (hiredis' redisReply).
class RedisReply {
 public:
  RedisReply() = default;
  explicit RedisReply(redisReply* reply);
  bool is_error() const;
  bool is_nil() const;
  bool is_integer() const;
  bool is_array() const;
  long long integer() const;
  // The text of a string, status or error reply; empty otherwise.
  std::string_view text() const;
  std::size_t size() const;  // elements of an array reply
  // Element `i` of an array reply, not owned: valid while this reply lives.
  const redisReply* element(std::size_t i) const;
  static std::string_view text_of(const redisReply* reply);

 private:
  struct Deleter {
    void operator()(redisReply* reply) const;
  };
  std::unique_ptr<redisReply, Deleter> reply_;
};

class RedisConnection {
 public:
  explicit RedisConnection(RedisConnectionOptions options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Closes any open connection, then connects, logs in and selects the database.
  core::Result<void> connect();
  void close() noexcept;
  bool connected() const noexcept { return fd_ >= 0; }

  // Queues one command (its arguments as binary-safe strings) to be sent by flush().
  void append(std::span<const std::string_view> args);
  void append(std::initializer_list<std::string_view> args) {
    append(std::span<const std::string_view>(args.begin(), args.size()));
  }
  // Forgets the commands appended since the last flush().
  void discard_appended() noexcept { out_.clear(); }
  // Sends every appended command.
  core::Result<void> flush();
  // The next reply. An error reply is a reply (is_error()), not an Error: what it means is
  // the caller's to say, except that of a server not ready (see above).
  core::Result<RedisReply> read_reply();
  // append + flush + read_reply.
  core::Result<RedisReply> command(std::initializer_list<std::string_view> args);

  // The endpoint without its password, for log lines.
  const std::string& description() const noexcept { return description_; }

 private:
  core::Result<void> open_socket();
  core::Result<void> start_tls();
  core::Result<void> log_in();
  core::Error io_error(const std::string& what);

  RedisConnectionOptions options_;
  std::string description_;
  int fd_ = -1;
  ssl_ctx_st* tls_context_ = nullptr;
  ssl_st* tls_ = nullptr;
  // A TLS session was established before: a handshake that then gets no answer is a server
  // in trouble (retried), not a port that does not speak TLS (a configuration error).
  bool tls_worked_ = false;
  redisReader* reader_ = nullptr;
  std::string out_;                   // appended commands not yet sent
  std::vector<const char*> argv_;     // reused by append()
  std::vector<std::size_t> argv_len_;
  std::vector<char> in_;              // read buffer
};

// Whether an error reply says the server is not ready yet (loading its data after a
// restart, busy with a script, a replica without its primary): retry later.
bool is_redis_not_ready(std::string_view error_text);

}  // namespace tokenflow::sinks
