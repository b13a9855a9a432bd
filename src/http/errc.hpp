// Error codes of the HTTP side. For the client: why a request got no answer it could use (an
// answer with any status is not an error: the caller decides what a 429 or a 500 means). For
// the servers: why a request from outside is refused before anything is looked up.
#pragma once

#include <string>
#include <system_error>

#include "core/result.hpp"

namespace tokenflow::http {

enum class errc {
  ok = 0,
  connection_failed,  // refused, DNS, reset, TLS
  timed_out,          // no answer within the request timeout
  response_too_large, // the answer is over HttpOptions::max_response_bytes
  not_found,          // a request for a path the server does not serve (answered 404)
  bad_request,        // a parameter or message the server cannot read (400, or a WebSocket error)
};

const std::error_category& http_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), http_category()};
}

inline core::Error make_error(errc e, std::string message) {
  return core::Error{make_error_code(e), std::move(message)};
}

}  // namespace tokenflow::http

template <>
struct std::is_error_code_enum<tokenflow::http::errc> : std::true_type {};
