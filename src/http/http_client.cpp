#include "http/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <mutex>
#include <stdexcept>

#include "core/ascii.hpp"
#include "http/errc.hpp"

namespace tokenflow::http {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl could not be initialised (curl_global_init)");
    }
  });
}

}  // namespace

struct HttpClient::Impl {
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  std::size_t max_body = 0;
  bool too_large = false;
  std::optional<std::chrono::milliseconds> retry_after;
  char error[CURL_ERROR_SIZE] = {};

  // Counted here, not only by CURLOPT_MAXFILESIZE: that one sees a Content-Length, not a
  // chunked answer nor what a compressed one decompresses to.
  static size_t on_body(char* data, size_t size, size_t count, void* self) {
    auto* impl = static_cast<Impl*>(self);
    const size_t n = size * count;
    if (n > impl->max_body - impl->body.size()) {
      impl->too_large = true;
      return 0;  // anything but n makes curl abort the transfer (CURLE_WRITE_ERROR)
    }
    impl->body.append(data, n);
    return n;
  }
  static size_t on_header(char* data, size_t size, size_t count, void* self) {
    std::string_view line(data, size * count);
    constexpr std::string_view kName = "retry-after:";
    if (core::ascii_istarts_with(line, kName)) {
      static_cast<Impl*>(self)->retry_after = parse_retry_after(line.substr(kName.size()));
    }
    return size * count;
  }
};

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  value = core::ascii_trim(value);
  if (value.empty()) return std::nullopt;
  std::uint64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size()) {
    return std::chrono::milliseconds(std::min<std::uint64_t>(seconds, 86'400) * 1000);
  }
  // An HTTP date: curl_getdate understands RFC 7231's formats.
  std::string text(value);
  time_t when = curl_getdate(text.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  auto delta = static_cast<std::int64_t>(when) - static_cast<std::int64_t>(std::time(nullptr));
  return std::chrono::milliseconds(std::clamp<std::int64_t>(delta, 0, 86'400) * 1000);
}

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->max_body = options.max_response_bytes;
  impl_->curl = curl_easy_init();
  if (impl_->curl == nullptr) throw std::runtime_error("libcurl: curl_easy_init failed");
  CURL* c = impl_->curl;
  impl_->headers = curl_slist_append(impl_->headers, "Content-Type: application/json");
  impl_->headers = curl_slist_append(impl_->headers, "Accept: application/json");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, impl_->headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl decodes (gzip, ...)
  // An announced Content-Length over the limit is refused before its body is read.
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_response_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Impl::on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, impl_.get());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Impl::on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, impl_.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, impl_->error);
}

HttpClient::~HttpClient() {
  curl_slist_free_all(impl_->headers);
  curl_easy_cleanup(impl_->curl);
}

core::Result<HttpResponse> HttpClient::post_json(const std::string& url, std::string_view body,
                                                 std::span<const std::string> extra_headers) {
  return perform("POST", url, body, extra_headers);
}

core::Result<HttpResponse> HttpClient::get(const std::string& url,
                                           std::span<const std::string> extra_headers) {
  return perform("GET", url, std::nullopt, extra_headers);
}

core::Result<HttpResponse> HttpClient::perform(const char* method, const std::string& url,
                                               std::optional<std::string_view> body,
                                               std::span<const std::string> extra_headers) {
  CURL* c = impl_->curl;
  // A request with its own headers gets a list of its own for this call only.
  curl_slist* request_headers = nullptr;
  if (!extra_headers.empty()) {
    for (auto* h = impl_->headers; h != nullptr; h = h->next) {
      request_headers = curl_slist_append(request_headers, h->data);
    }
    for (const auto& header : extra_headers) {
      request_headers = curl_slist_append(request_headers, header.c_str());
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, request_headers);
  }
  impl_->body.clear();
  impl_->too_large = false;
  impl_->retry_after.reset();
  impl_->error[0] = '\0';
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  if (body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  CURLcode code = curl_easy_perform(c);
  if (request_headers != nullptr) {
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, impl_->headers);
    curl_slist_free_all(request_headers);
  }
  long connects = 0;
  curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
  connections_ += connects;
  if (impl_->too_large || code == CURLE_FILESIZE_EXCEEDED) {
    impl_->body = std::string();  // what was read of it is not kept either
    return make_error(errc::response_too_large,
                      std::string(method) + " " + url + ": the answer is over the limit of " +
                          std::to_string(impl_->max_body) +
                          " bytes; if the endpoint's answers are really that large, raise "
                          "--max-response-bytes");
  }
  if (code != CURLE_OK) {
    std::string reason = impl_->error[0] != '\0' ? impl_->error : curl_easy_strerror(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      return make_error(errc::timed_out, std::string(method) + " " + url + ": " + reason);
    }
    return make_error(errc::connection_failed, std::string(method) + " " + url + ": " + reason);
  }
  HttpResponse response;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(impl_->body);
  impl_->body = std::string();
  response.retry_after = impl_->retry_after;
  return response;
}

}  // namespace tokenflow::http
