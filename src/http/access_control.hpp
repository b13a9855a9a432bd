// Access control for the HTTP and WebSocket endpoints: optional API keys (presented as
// `Authorization: Bearer <key>`, or `?api_key=<key>` where a browser's WebSocket cannot set
// headers) and a per-client request rate limit (a token bucket per client address).
//
// Thread-safe: the server's threads call allows() and take() concurrently.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/http_server.hpp"
#include "http/query_string.hpp"

namespace tokenflow::http {

class ApiKeys {
 public:
  explicit ApiKeys(std::vector<std::string> keys = {}) : keys_(std::move(keys)) {}
  bool enabled() const { return !keys_.empty(); }
  // True when keys are off, or the request presents one of them.
  bool allows(const Request& request) const;

 private:
  std::vector<std::string> keys_;
};

class RateLimiter {
 public:
  // `per_second` requests per second per client, bursts up to one second's worth; 0: off.
  explicit RateLimiter(double per_second = 0) : rate_(per_second) {}
  bool enabled() const { return rate_ > 0; }
  // False when `client` has used its allowance: answer 429.
  bool take(const std::string& client);
  // Seconds until the next request of a limited client would pass (Retry-After).
  int retry_after_seconds() const { return rate_ >= 1 ? 1 : static_cast<int>(1 / rate_) + 1; }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double rate_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace tokenflow::http
