#include "codec/json_field.hpp"

#include <string>

#include "codec/errc.hpp"

namespace tokenflow::codec {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string field(std::string_view key) { return "field '" + std::string(key) + "'"; }

core::Error wrong_type(std::string_view key, element value, const char* expected) {
  return make_error(errc::wrong_type, field(key) + " is a JSON " + json_type_name(value.type()) +
                                          ", expected " + expected);
}

core::Error invalid(std::string_view key, const core::Error& cause) {
  return make_error(errc::invalid_value, field(key) + ": " + cause.message);
}

}  // namespace

core::Result<void> parse_object(simdjson::dom::parser& parser, std::string_view message,
                                std::size_t max_bytes, const char* what,
                                simdjson::dom::object& out) {
  if (message.empty()) return make_error(errc::empty, "the message is empty (0 bytes)");
  if (message.size() > max_bytes) {
    return make_error(errc::too_large, "the message is " + std::to_string(message.size()) +
                                           " bytes; an event is at most " +
                                           std::to_string(max_bytes));
  }
  element root;
  if (auto code = parser.parse(message.data(), message.size(), true).get(root); code) {
    return json_syntax_error(code);
  }
  if (root.type() != element_type::OBJECT) {
    return make_error(errc::not_an_object, std::string("the message is a JSON ") +
                                               json_type_name(root.type()) +
                                               ", not one JSON object with the fields of " + what);
  }
  if (auto code = root.get_object().get(out); code) return json_syntax_error(code);
  return core::success();
}

const char* json_type_name(element_type type) noexcept {
  switch (type) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64: return "integer";
    case element_type::DOUBLE: return "non-integer number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "value";
}

core::Result<void> read_string(element value, std::string_view key, std::string_view& out) {
  if (value.type() != element_type::STRING) return wrong_type(key, value, "a string");
  out = value.get_string().value_unsafe();
  return core::success();
}

core::Result<void> read_uint(element value, std::string_view key, std::uint64_t max,
                             std::uint64_t& out) {
  std::uint64_t v = 0;
  switch (value.type()) {
    case element_type::UINT64:
      v = value.get_uint64().value_unsafe();
      break;
    case element_type::INT64: {
      std::int64_t s = value.get_int64().value_unsafe();
      if (s < 0) {
        return make_error(errc::invalid_value,
                          field(key) + " is " + std::to_string(s) + ", expected a number >= 0");
      }
      v = static_cast<std::uint64_t>(s);
      break;
    }
    case element_type::STRING: {
      std::string_view text = value.get_string().value_unsafe();
      auto parsed = core::Uint256::from_decimal(text);
      if (!parsed.ok()) return invalid(key, parsed.error());
      if (!parsed->fits_u64()) {
        return make_error(errc::invalid_value,
                          field(key) + " is " + std::string(text.substr(0, 80)) +
                              ", above the largest allowed " + std::to_string(max));
      }
      v = parsed->low_u64();
      break;
    }
    default:
      return wrong_type(key, value, "an unsigned integer");
  }
  if (v > max) {
    return make_error(errc::invalid_value, field(key) + " is " + std::to_string(v) +
                                               ", above the largest allowed " + std::to_string(max));
  }
  out = v;
  return core::success();
}

core::Result<void> read_timestamp(element value, std::string_view key, core::UnixMillis& out) {
  switch (value.type()) {
    case element_type::STRING: {
      auto parsed = core::parse_timestamp(value.get_string().value_unsafe());
      if (!parsed.ok()) return invalid(key, parsed.error());
      out = *parsed;
      return core::success();
    }
    case element_type::UINT64:
    case element_type::INT64: {
      std::uint64_t seconds = 0;
      if (auto ok = read_uint(value, key, kMaxTimestampSeconds, seconds); !ok) return ok;
      out = core::UnixMillis{static_cast<std::int64_t>(seconds) * 1000};
      return core::success();
    }
    default:
      return wrong_type(key, value, "an ISO-8601 UTC string or unix seconds");
  }
}

core::Result<void> read_address(element value, std::string_view key, core::Address& out) {
  if (value.type() != element_type::STRING) return wrong_type(key, value, "an address string");
  auto parsed = core::Address::parse(value.get_string().value_unsafe());
  if (!parsed.ok()) return invalid(key, parsed.error());
  out = *parsed;
  return core::success();
}

core::Result<void> read_amount(element value, std::string_view key, core::Uint256& out) {
  switch (value.type()) {
    case element_type::STRING: {
      auto parsed = core::Uint256::from_decimal(value.get_string().value_unsafe());
      if (!parsed.ok()) return invalid(key, parsed.error());
      out = *parsed;
      return core::success();
    }
    case element_type::UINT64:
    case element_type::INT64: {
      std::uint64_t v = 0;
      if (auto ok = read_uint(value, key, UINT64_MAX, v); !ok) return ok;
      out = core::Uint256(v);
      return core::success();
    }
    case element_type::DOUBLE:
      return make_error(errc::invalid_value,
                        field(key) + " is a JSON number that is not an exact 64-bit integer; "
                                     "send amounts as decimal strings of base units");
    default:
      return wrong_type(key, value, "a decimal string of an unsigned 256-bit integer");
  }
}

core::Error json_syntax_error(simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR:
      return make_error(errc::invalid_utf8, "the message is not valid UTF-8");
    case simdjson::EMPTY:
      return make_error(errc::empty, "the message is empty (only whitespace)");
    case simdjson::DEPTH_ERROR:
      return make_error(errc::not_json, "the message nests JSON deeper than allowed");
    case simdjson::NUMBER_ERROR:
      return make_error(errc::not_json, "the message has a number JSON cannot represent");
    default:
      return make_error(errc::not_json, std::string("the message is not one valid JSON document (") +
                                             simdjson::error_message(code) + ")");
  }
}

}  // namespace tokenflow::codec
