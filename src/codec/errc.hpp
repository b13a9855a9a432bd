// Error codes of the codec: why a message is not a valid event. Each rejection also carries
// a sentence naming the field and the offending value; the code is what metrics count.
#pragma once

#include <string>
#include <system_error>

#include "core/result.hpp"

namespace tokenflow::codec {

enum class errc {
  ok = 0,
  empty,           // zero bytes, or only whitespace
  too_large,       // above the decoder's size limit
  invalid_utf8,    // bytes that are not UTF-8
  not_json,        // a JSON syntax error, trailing bytes, or more than one document
  not_an_object,   // valid JSON but not one object (an array, a string, ...)
  duplicate_key,   // the same field twice (or a field and its camelCase alias)
  missing_field,   // a required field is absent or null
  wrong_type,      // a field of the wrong JSON type
  invalid_value,   // a field of the right type whose value is invalid (address, amount, ...)
};

const std::error_category& codec_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), codec_category()};
}

inline core::Error make_error(errc e, std::string message) {
  return core::Error{make_error_code(e), std::move(message)};
}

// Short stable name of a code ("duplicate_key"), for metric labels and dead-letter headers.
const char* errc_name(errc e) noexcept;
// The dead-letter kind of a rejection: its codec code's name, else "invalid_value".
const char* reason_kind(const core::Error& error) noexcept;

}  // namespace tokenflow::codec

template <>
struct std::is_error_code_enum<tokenflow::codec::errc> : std::true_type {};
