#include "http/errc.hpp"

namespace tokenflow::http {
namespace {

class HttpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tokenflow.http"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok: return "success";
      case errc::connection_failed: return "the server cannot be reached; check the URL and that it runs";
      case errc::timed_out: return "the server did not answer in time";
      case errc::response_too_large:
        return "the answer is over the size limit; raise --max-response-bytes if it is expected";
      case errc::not_found: return "no such endpoint; the server's README lists its paths";
      case errc::bad_request: return "the request is malformed; the message says which part";
    }
    return "unknown http error";
  }
};

}  // namespace

const std::error_category& http_category() noexcept {
  static const HttpCategory category;
  return category;
}

}  // namespace tokenflow::http
