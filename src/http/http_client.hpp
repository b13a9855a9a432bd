// HttpClient: POSTs JSON to (or GETs from) one endpoint over one kept-alive connection (a libcurl easy
// handle reused for every request), with connect and total timeouts, and reports what the
// caller needs to decide on a retry: the status, the body and a 429's Retry-After. An answer
// is held in memory, so its size is bounded: a server (broken, hostile, or a decompression
// bomb) cannot make the process allocate without limit.
//
// Lifecycle: one owning thread creates it and calls post_json() / get(); not thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::http {

inline constexpr std::size_t kDefaultMaxResponseBytes = 64 * 1024 * 1024;

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{30'000};
  std::string user_agent = "tokenflow/0.1";
  // The largest answer body kept, after decompression (`--max-response-bytes`).
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Any answer with a status (2xx or not) is a value; errors are transport failures,
  // errc::connection_failed or errc::timed_out, and errc::response_too_large for an answer
  // over max_response_bytes (whatever its status); each names the url.
  // `extra_headers` ("Name: value") are sent with this request only.
  core::Result<HttpResponse> post_json(const std::string& url, std::string_view body,
                                       std::span<const std::string> extra_headers = {});

  // The same for a GET.
  core::Result<HttpResponse> get(const std::string& url,
                                 std::span<const std::string> extra_headers = {});

  // TCP connections opened so far (1 while the server keeps the connection alive).
  long connections_opened() const noexcept { return connections_; }

 private:
  core::Result<HttpResponse> perform(const char* method, const std::string& url,
                                     std::optional<std::string_view> body,
                                     std::span<const std::string> extra_headers);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  long connections_ = 0;
};

// The delay a Retry-After header value asks for: delta-seconds, or an HTTP date.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

}  // namespace tokenflow::http
