// Error codes of the core types (amounts, addresses, timestamps, registry), with a
// std::error_category that gives one sentence per code.
#pragma once

#include <string>
#include <system_error>

#include "core/result.hpp"

namespace tokenflow::core {

enum class errc {
  ok = 0,
  not_a_number,      // an amount with a sign, a non-digit or nothing at all
  out_of_range,      // an amount above 2^256-1, a number above its type's range
  invalid_address,   // not 0x followed by 40 hex digits
  invalid_timestamp, // neither ISO-8601 UTC nor unix seconds
  invalid_registry,  // a token registry file that cannot be used
  io_error,          // a file that cannot be read or written
};

const std::error_category& core_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), core_category()};
}

inline Error make_error(errc e, std::string message) {
  return Error{make_error_code(e), std::move(message)};
}

}  // namespace tokenflow::core

template <>
struct std::is_error_code_enum<tokenflow::core::errc> : std::true_type {};
