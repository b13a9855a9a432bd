#include "sinks/redis_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;

std::string openssl_errors() {
  std::string out;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

bool is_ip_literal(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

void set_io_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

// ---- RedisReply

RedisReply::RedisReply(redisReply* reply) : reply_(reply) {}

void RedisReply::Deleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

bool RedisReply::is_error() const { return reply_ && reply_->type == REDIS_REPLY_ERROR; }
bool RedisReply::is_nil() const { return !reply_ || reply_->type == REDIS_REPLY_NIL; }
bool RedisReply::is_integer() const { return reply_ && reply_->type == REDIS_REPLY_INTEGER; }
bool RedisReply::is_array() const { return reply_ && reply_->type == REDIS_REPLY_ARRAY; }
long long RedisReply::integer() const { return is_integer() ? reply_->integer : 0; }
std::string_view RedisReply::text() const { return text_of(reply_.get()); }
std::size_t RedisReply::size() const { return is_array() ? reply_->elements : 0; }
const redisReply* RedisReply::element(std::size_t i) const {
  return i < size() ? reply_->element[i] : nullptr;
}

std::string_view RedisReply::text_of(const redisReply* reply) {
  if (reply == nullptr) return {};
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return {reply->str, reply->len};
    default:
      return {};
  }
}

bool is_redis_not_ready(std::string_view error_text) {
  for (std::string_view prefix : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"}) {
    if (error_text.starts_with(prefix)) return true;
  }
  return false;
}

// ---- RedisConnection

RedisConnection::RedisConnection(RedisConnectionOptions options)
    : options_(std::move(options)), description_(describe_redis_endpoint(options_.endpoint)) {
  in_.resize(kReadChunk);
}

RedisConnection::~RedisConnection() {
  close();
  if (tls_context_ != nullptr) SSL_CTX_free(tls_context_);
}

void RedisConnection::close() noexcept {
  if (tls_ != nullptr) {
    SSL_free(tls_);  // no close_notify: the connection is being dropped, maybe broken
    tls_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (reader_ != nullptr) {
    redisReaderFree(reader_);
    reader_ = nullptr;
  }
  out_.clear();
}

core::Error RedisConnection::io_error(const std::string& what) {
  close();
  return make_error(errc::unavailable, "Redis " + description_ + ": " + what);
}

core::Result<void> RedisConnection::connect() {
  close();
  if (auto opened = open_socket(); !opened.ok()) return opened;
  if (options_.endpoint.tls) {
    if (auto started = start_tls(); !started.ok()) return started;
  }
  reader_ = redisReaderCreate();
  if (reader_ == nullptr) return io_error("out of memory creating the reply reader");
  return log_in();
}

core::Result<void> RedisConnection::open_socket() {
  const auto& endpoint = options_.endpoint;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (int rc = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return io_error(std::string("cannot resolve the host: ") + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(options_.connect_timeout.count()));
      if (rc == 0) {
        last_error = "connect timed out after " + std::to_string(options_.connect_timeout.count()) + " ms";
        ::close(fd);
        continue;
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      (void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
      rc = so_error == 0 ? 0 : -1;
      errno = so_error;
    }
    if (rc < 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    // Blocking from here on, every read and write bounded by the I/O timeout.
    (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    set_io_timeout(fd, options_.io_timeout);
    fd_ = fd;
    break;
  }
  freeaddrinfo(found);
  if (fd_ < 0) return io_error("cannot connect: " + last_error);
  return core::success();
}

core::Result<void> RedisConnection::start_tls() {
  const auto& host = options_.endpoint.host;
  if (tls_context_ == nullptr) {
    tls_context_ = SSL_CTX_new(TLS_client_method());
    if (tls_context_ == nullptr) return io_error("cannot create a TLS context: " + openssl_errors());
    SSL_CTX_set_min_proto_version(tls_context_, TLS1_2_VERSION);
    SSL_CTX_set_verify(tls_context_, SSL_VERIFY_PEER, nullptr);
    const int loaded = options_.ca_file.empty()
                           ? SSL_CTX_set_default_verify_paths(tls_context_)
                           : SSL_CTX_load_verify_locations(tls_context_, options_.ca_file.c_str(), nullptr);
    if (loaded != 1) {
      const std::string why = openssl_errors();
      SSL_CTX_free(tls_context_);
      tls_context_ = nullptr;
      close();
      return make_error(errc::rejected,
                        "Redis " + description_ + ": cannot load the CA certificates " +
                            (options_.ca_file.empty() ? "of the system store"
                                                      : "of --redis-ca " + options_.ca_file) +
                            ": " + why);
    }
  }
  tls_ = SSL_new(tls_context_);
  if (tls_ == nullptr) return io_error("cannot create a TLS session: " + openssl_errors());
  if (is_ip_literal(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(tls_), host.c_str());
  } else {
    // SNI (SSL_set_tlsext_host_name, without the macro's C cast).
    SSL_ctrl(tls_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(host.c_str()));
    SSL_set1_host(tls_, host.c_str());
  }
  SSL_set_fd(tls_, fd_);
  if (const int rc = SSL_connect(tls_); rc != 1) {
    const int saved_errno = errno;
    const int ssl_error = SSL_get_error(tls_, rc);
    const long verified = SSL_get_verify_result(tls_);
    if (verified != X509_V_OK) {
      close();
      return make_error(errc::rejected,
                        "Redis " + description_ + ": the server's TLS certificate does not verify (" +
                            X509_verify_cert_error_string(verified) +
                            "); pass the CA that signed it with --redis-ca");
    }
    // A plain Redis port reads the ClientHello as the start of a command and waits for its
    // end: no answer within the I/O timeout; or it answers in plain text, which OpenSSL
    // reports as a wrong version number.
    const int reason = ERR_GET_REASON(ERR_peek_error());
    const bool no_answer =
        ssl_error == SSL_ERROR_WANT_READ ||
        (ssl_error == SSL_ERROR_SYSCALL && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK));
    const bool plain_answer = reason == SSL_R_WRONG_VERSION_NUMBER ||
                              reason == SSL_R_PACKET_LENGTH_TOO_LONG;
    if (plain_answer || (no_answer && !tls_worked_)) {
      const std::string what =
          plain_answer ? "answered the TLS handshake in plain text"
                       : "did not answer the TLS handshake within " +
                             std::to_string(options_.io_timeout.count()) + " ms";
      close();
      return make_error(errc::rejected,
                        "Redis " + description_ + " " + what +
                            ": is it a TLS port? rediss:// needs Redis' tls-port; use redis:// "
                            "for a plain one");
    }
    return io_error("TLS handshake failed: " + openssl_errors());
  }
  tls_worked_ = true;
  return core::success();
}

core::Result<void> RedisConnection::log_in() {
  const auto& endpoint = options_.endpoint;
  auto check = [&](core::Result<RedisReply> reply, const std::string& what) -> core::Result<void> {
    if (!reply.ok()) return std::move(reply).error();
    if (!reply->is_error()) return core::success();
    const std::string text(reply->text());
    const auto code = is_redis_not_ready(text) ? errc::unavailable : errc::rejected;
    close();
    return make_error(code, "Redis " + description_ + ": " + what + ": " + text);
  };
  if (!endpoint.password.empty()) {
    auto auth = endpoint.user.empty() ? command({"AUTH", endpoint.password})
                                      : command({"AUTH", endpoint.user, endpoint.password});
    if (auto ok = check(std::move(auth), "AUTH refused (check the user and password of REDIS_URL)");
        !ok.ok()) {
      return ok;
    }
  }
  if (endpoint.db != 0) {
    const std::string db = std::to_string(endpoint.db);
    if (auto ok = check(command({"SELECT", db}), "SELECT " + db + " refused"); !ok.ok()) return ok;
  }
  if (!options_.client_name.empty()) {
    if (auto ok = check(command({"CLIENT", "SETNAME", options_.client_name}), "CLIENT SETNAME");
        !ok.ok()) {
      return ok;
    }
  }
  // A server still loading its data answers LOADING to everything but a few commands.
  return check(command({"PING"}), "PING");
}

void RedisConnection::append(std::span<const std::string_view> args) {
  argv_.clear();
  argv_len_.clear();
  for (auto arg : args) {
    argv_.push_back(arg.data());
    argv_len_.push_back(arg.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv_.size()),
                                            argv_.data(), argv_len_.data());
  if (length < 0) throw std::bad_alloc();
  out_.append(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
}

core::Result<void> RedisConnection::flush() {
  if (fd_ < 0) {
    out_.clear();
    return make_error(errc::unavailable, "Redis " + description_ + ": not connected");
  }
  std::size_t sent = 0;
  while (sent < out_.size()) {
    const char* data = out_.data() + sent;
    const std::size_t left = out_.size() - sent;
    if (tls_ != nullptr) {
      const int n = SSL_write(tls_, data, static_cast<int>(std::min<std::size_t>(left, 1 << 30)));
      if (n <= 0) return io_error("writing (TLS): " + openssl_errors());
      sent += static_cast<std::size_t>(n);
    } else {
      const ssize_t n = ::send(fd_, data, left, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return io_error(errno == EAGAIN ? "writing timed out after " +
                                              std::to_string(options_.io_timeout.count()) + " ms"
                                        : std::string("writing: ") + std::strerror(errno));
      }
      sent += static_cast<std::size_t>(n);
    }
  }
  out_.clear();
  return core::success();
}

core::Result<RedisReply> RedisConnection::read_reply() {
  if (reader_ == nullptr) return make_error(errc::unavailable, "Redis " + description_ + ": not connected");
  for (;;) {
    void* parsed = nullptr;
    if (redisReaderGetReply(reader_, &parsed) != REDIS_OK) {
      return io_error(std::string("unparsable reply: ") + reader_->errstr);
    }
    if (parsed != nullptr) {
      RedisReply reply(static_cast<redisReply*>(parsed));
      if (reply.is_error() && is_redis_not_ready(reply.text())) {
        // Kept connected: the server is up, only not ready.
        return make_error(errc::unavailable, "Redis " + description_ + ": " + std::string(reply.text()));
      }
      return reply;
    }
    ssize_t n = 0;
    if (tls_ != nullptr) {
      n = SSL_read(tls_, in_.data(), static_cast<int>(in_.size()));
      if (n <= 0) {
        const int why = SSL_get_error(tls_, static_cast<int>(n));
        return io_error(why == SSL_ERROR_ZERO_RETURN ? "the server closed the connection"
                                                     : "reading (TLS): " + openssl_errors());
      }
    } else {
      n = ::recv(fd_, in_.data(), in_.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return io_error("the server closed the connection");
      if (n < 0) {
        return io_error(errno == EAGAIN ? "no reply within " +
                                              std::to_string(options_.io_timeout.count()) + " ms"
                                        : std::string("reading: ") + std::strerror(errno));
      }
    }
    if (redisReaderFeed(reader_, in_.data(), static_cast<std::size_t>(n)) != REDIS_OK) {
      return io_error(std::string("unparsable reply: ") + reader_->errstr);
    }
  }
}

core::Result<RedisReply> RedisConnection::command(std::initializer_list<std::string_view> args) {
  append(args);
  if (auto sent = flush(); !sent.ok()) return std::move(sent).error();
  return read_reply();
}

}  // namespace tokenflow::sinks
