#include "support/redis_server.hpp"

#include <hiredis/hiredis.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "sinks/redis_connection.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

std::string read_redis_log(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One reply as text, recursively for arrays.
void reply_text(const redisReply* reply, std::string& out) {
  if (reply == nullptr) return;
  if (reply->type == REDIS_REPLY_INTEGER) {
    out += std::to_string(reply->integer);
  } else if (reply->type == REDIS_REPLY_ARRAY) {
    for (std::size_t i = 0; i < reply->elements; ++i) {
      if (i > 0) out += '\n';
      reply_text(reply->element[i], out);
    }
  } else {
    out += sinks::RedisReply::text_of(reply);
  }
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  // The server's own TLS writes must not kill a test that reads a closed socket.
  ::signal(SIGPIPE, SIG_IGN);
  dir_ = make_temp_dir("tf-redis");
  config_path_ = dir_ + "/redis.conf";
  log_path_ = dir_ + "/server.log";
  port_ = free_loopback_port();
  if (options_.tls) make_certificates();
  write_config();
  start();
}

RedisServer::~RedisServer() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void RedisServer::make_certificates() {
  ca_file_ = dir_ + "/ca.crt";
  const std::string ext = dir_ + "/san.ext";
  std::ofstream(ext) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  const std::vector<std::vector<std::string>> steps = {
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir_ + "/ca.key",
       "-out", ca_file_, "-days", "2", "-subj", "/CN=tokenflow test CA"},
      {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", dir_ + "/server.key", "-out",
       dir_ + "/server.csr", "-subj", "/CN=localhost"},
      {"openssl", "x509", "-req", "-in", dir_ + "/server.csr", "-CA", ca_file_, "-CAkey",
       dir_ + "/ca.key", "-CAcreateserial", "-out", dir_ + "/server.crt", "-days", "2",
       "-extfile", ext},
  };
  for (const auto& step : steps) {
    auto done = run_command(step, 60s);
    if (done.exit_code != 0) throw std::runtime_error("RedisServer: openssl failed: " + done.output);
  }
}

void RedisServer::write_config() {
  std::ofstream conf(config_path_);
  conf << "bind 127.0.0.1\n"
       << "dir " << dir_ << "\n"
       << "daemonize no\n"
       << "logfile \"\"\n"
       << "save \"\"\n"
       << "appendonly " << (options_.appendonly ? "yes" : "no") << "\n"
       << "appendfsync everysec\n";
  if (options_.tls) {
    conf << "port 0\n"
         << "tls-port " << port_ << "\n"
         << "tls-cert-file " << dir_ << "/server.crt\n"
         << "tls-key-file " << dir_ << "/server.key\n"
         << "tls-ca-cert-file " << ca_file_ << "\n"
         << "tls-auth-clients no\n";
  } else {
    conf << "port " << port_ << "\n";
  }
  if (!options_.password.empty()) conf << "requirepass " << options_.password << "\n";
  for (const auto& [name, value] : options_.settings) conf << name << " " << value << "\n";
}

void RedisServer::start() {
  if (process_) return;
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"redis-server", config_path_}, log_path_);
  const bool up = wait_until(
      [&] {
        if (!process_->running()) return true;
        try {
          return command({"PING"}) == "PONG";
        } catch (const std::exception&) {
          return false;
        }
      },
      30s, 50ms);
  if (!up || !process_->running()) {
    process_.reset();
    throw std::runtime_error("RedisServer: redis-server did not start on port " +
                             std::to_string(port_) + ":\n" + log());
  }
}

void RedisServer::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  if (!process_->wait(30s)) process_->signal(SIGKILL);
  process_.reset();
}

void RedisServer::kill() {
  if (!process_) return;
  process_->signal(SIGKILL);
  (void)process_->wait(10s);
  process_.reset();
}

std::string RedisServer::url() const {
  std::string encoded;
  for (unsigned char c : options_.password) {
    const bool plain = std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      encoded += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      encoded += escaped;
    }
  }
  const std::string auth = options_.password.empty() ? "" : ":" + encoded + "@";
  return std::string(options_.tls ? "rediss://" : "redis://") + auth + "127.0.0.1:" +
         std::to_string(port_) + "/0";
}

std::string RedisServer::log() const { return read_redis_log(log_path_); }

std::string RedisServer::command(const std::vector<std::string>& args) const {
  sinks::RedisConnectionOptions options;
  auto endpoint = sinks::parse_redis_url(url());
  if (!endpoint.ok()) throw std::runtime_error(endpoint.error().message);
  options.endpoint = *endpoint;
  options.ca_file = ca_file_;
  options.connect_timeout = 2s;
  sinks::RedisConnection connection(options);
  if (auto connected = connection.connect(); !connected.ok()) {
    throw std::runtime_error(connected.error().message);
  }
  std::vector<std::string_view> views(args.begin(), args.end());
  connection.append(views);
  if (auto sent = connection.flush(); !sent.ok()) throw std::runtime_error(sent.error().message);
  auto reply = connection.read_reply();
  if (!reply.ok()) throw std::runtime_error(reply.error().message);
  if (reply->is_error()) throw std::runtime_error("Redis: " + std::string(reply->text()));
  std::string out;
  if (reply->is_integer()) return std::to_string(reply->integer());
  if (!reply->is_array()) return std::string(reply->text());
  for (std::size_t i = 0; i < reply->size(); ++i) {
    if (i > 0) out += '\n';
    reply_text(reply->element(i), out);
  }
  return out;
}

std::map<std::string, std::string> RedisServer::hgetall(const std::string& key) const {
  std::map<std::string, std::string> out;
  std::istringstream lines(command({"HGETALL", key}));
  std::string field;
  std::string value;
  while (std::getline(lines, field) && std::getline(lines, value)) out[field] = value;
  return out;
}

std::vector<std::string> RedisServer::keys(const std::string& pattern) const {
  std::vector<std::string> out;
  std::istringstream lines(command({"KEYS", pattern}));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tokenflow::testing
