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

core::Result<void> read_string(simdjson::dom::element value, std::string_view key,
                               std::string_view& out);
// A JSON integer or a string of digits (indexers print 64-bit numbers as strings), at most `max`.
core::Result<void> read_uint(simdjson::dom::element value, std::string_view key, std::uint64_t max,
                             std::uint64_t& out);
// ISO-8601 UTC or unix seconds, as a string or a JSON number.
core::Result<void> read_timestamp(simdjson::dom::element value, std::string_view key,
                                  core::UnixMillis& out);
core::Result<void> read_address(simdjson::dom::element value, std::string_view key,
                                core::Address& out);
// A decimal string of an unsigned 256-bit integer, or a JSON integer that fits 64 bits
// (larger JSON numbers are refused: most JSON producers have already rounded them).
core::Result<void> read_amount(simdjson::dom::element value, std::string_view key,
                               core::Uint256& out);

}  // namespace tokenflow::codec
