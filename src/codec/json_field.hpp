// Typed readers for the fields of an event, shared by every decoder (transfers, swaps,
// prices). Each returns an error whose sentence names the field and shows the bad value.
#pragma once

#include <cstdint>
#include <string_view>

#include <simdjson.h>

#include "core/address.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "core/uint256.hpp"

namespace tokenflow::codec {

const char* json_type_name(simdjson::dom::element_type type) noexcept;

// Why simdjson refused a message, as the decoders' error (empty, invalid_utf8 or not_json).
core::Error json_syntax_error(simdjson::error_code code);

// The envelope checks every decoder shares: not empty, at most `max_bytes`, exactly one JSON
// document, and that document an object (`what` names the event in the sentence: "a swap").
// `parser` must have been created with a capacity of at least `max_bytes`.
core::Result<void> parse_object(simdjson::dom::parser& parser, std::string_view message,
                                std::size_t max_bytes, const char* what,
                                simdjson::dom::object& out);

core::Result<void> read_string(simdjson::dom::element value, std::string_view key,
                               std::string_view& out);
// A JSON integer or a string of digits (indexers print 64-bit numbers as strings), at most `max`.
core::Result<void> read_uint(simdjson::dom::element value, std::string_view key, std::uint64_t max,
                             std::uint64_t& out);
// ISO-8601 UTC or unix seconds, as a string or a JSON number.
// Unix seconds as a JSON number are accepted up to the year 9999.
inline constexpr auto kMaxTimestampSeconds = static_cast<std::uint64_t>(core::kMaxUnixSeconds);
core::Result<void> read_timestamp(simdjson::dom::element value, std::string_view key,
                                  core::UnixMillis& out);
core::Result<void> read_address(simdjson::dom::element value, std::string_view key,
                                core::Address& out);
// A decimal string of an unsigned 256-bit integer, or a JSON integer that fits 64 bits
// (larger JSON numbers are refused: most JSON producers have already rounded them).
core::Result<void> read_amount(simdjson::dom::element value, std::string_view key,
                               core::Uint256& out);

// The try_read_ forms accept exactly what the read_ forms above accept and store the same
// value, but build no error: on false, `out` is unchanged and the caller asks the read_ form
// why. Inline, because a decoder calls one per field of every message; they cover the common
// wire forms and may leave rarer valid ones (none so far) to the read_ form.

inline bool try_read_string(simdjson::dom::element value, std::string_view& out) noexcept {
  return value.get_string().get(out) == simdjson::SUCCESS;
}

inline bool try_read_uint(simdjson::dom::element value, std::uint64_t max,
                          std::uint64_t& out) noexcept {
  std::uint64_t v = 0;
  switch (value.type()) {
    case simdjson::dom::element_type::UINT64:
      v = value.get_uint64().value_unsafe();
      break;
    case simdjson::dom::element_type::INT64: {
      const std::int64_t s = value.get_int64().value_unsafe();
      if (s < 0) return false;
      v = static_cast<std::uint64_t>(s);
      break;
    }
    case simdjson::dom::element_type::STRING: {
      core::Uint256 parsed;
      if (!core::Uint256::try_from_decimal(value.get_string().value_unsafe(), parsed) ||
          !parsed.fits_u64()) {
        return false;
      }
      v = parsed.low_u64();
      break;
    }
    default:
      return false;
  }
  if (v > max) return false;
  out = v;
  return true;
}

inline bool try_read_timestamp(simdjson::dom::element value, core::UnixMillis& out) noexcept {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return core::try_parse_timestamp(value.get_string().value_unsafe(), out);
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::INT64: {
      std::uint64_t seconds = 0;
      if (!try_read_uint(value, kMaxTimestampSeconds, seconds)) return false;
      out = core::UnixMillis{static_cast<std::int64_t>(seconds) * 1000};
      return true;
    }
    default:
      return false;
  }
}

inline bool try_read_address(simdjson::dom::element value, core::Address& out) noexcept {
  std::string_view text;
  return try_read_string(value, text) && core::Address::try_parse(text, out);
}

inline bool try_read_amount(simdjson::dom::element value, core::Uint256& out) noexcept {
  switch (value.type()) {
    case simdjson::dom::element_type::STRING:
      return core::Uint256::try_from_decimal(value.get_string().value_unsafe(), out);
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::INT64: {
      std::uint64_t v = 0;
      if (!try_read_uint(value, UINT64_MAX, v)) return false;
      out = core::Uint256(v);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace tokenflow::codec
