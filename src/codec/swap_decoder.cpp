#include "codec/swap_decoder.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "codec/errc.hpp"
#include "codec/json_field.hpp"

namespace tokenflow::codec {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

enum class SwapField : unsigned {
  id, timestamp, token, trader, side, amount, amount_usd, pool, chain_id, block_number, count
};
constexpr std::array<std::string_view, static_cast<std::size_t>(SwapField::count)> kNames = {
    "id", "timestamp", "token", "trader", "side", "amount", "amount_usd", "pool", "chain_id",
    "block_number"};
constexpr unsigned kRequired = (1u << 7) - 1;  // id .. amount_usd

bool find_field(std::string_view key, SwapField& out) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == key) {
      out = static_cast<SwapField>(i);
      return true;
    }
  }
  return false;
}

core::Result<void> read_usd(element value, std::string_view key, core::UsdMicros& out,
                            bool& rounded) {
  std::string text;
  if (value.type() == element_type::STRING) {
    text = std::string(value.get_string().value_unsafe());
  } else if (value.type() == element_type::UINT64 || value.type() == element_type::INT64) {
    std::uint64_t whole = 0;
    if (auto ok = read_uint(value, key, UINT64_MAX, whole); !ok) return ok;
    text = std::to_string(whole);
  } else {
    return make_error(errc::wrong_type, "field '" + std::string(key) + "' is a JSON " +
                                            json_type_name(value.type()) +
                                            ", expected a decimal string such as \"1234.56\"");
  }
  switch (core::parse_usd(text, out)) {
    case core::UsdParse::ok:
      return core::success();
    case core::UsdParse::rounded:
      rounded = true;
      return core::success();
    case core::UsdParse::out_of_range:
      return make_error(errc::invalid_value, "field '" + std::string(key) + "' is " + text +
                                                 " USD; one event is at most 10^12 USD");
    case core::UsdParse::invalid:
      break;
  }
  return make_error(errc::invalid_value, "field '" + std::string(key) + "' is '" + text +
                                             "', expected a non-negative decimal such as 1234.56");
}

core::Result<void> read_field(SwapField field, std::string_view key, element value, core::Swap& out,
                              bool& rounded) {
  switch (field) {
    case SwapField::id: {
      std::string_view id;
      if (auto ok = read_string(value, key, id); !ok) return ok;
      if (id.empty()) return make_error(errc::invalid_value, "field 'id' is empty");
      if (id.size() > core::EventId::kMaxSize) {
        return make_error(errc::invalid_value, "field 'id' is " + std::to_string(id.size()) +
                                                   " bytes; an id is at most 256");
      }
      out.id.value.assign(id);
      return core::success();
    }
    case SwapField::timestamp:
      return read_timestamp(value, key, out.timestamp);
    case SwapField::token:
      return read_address(value, key, out.token);
    case SwapField::trader:
      return read_address(value, key, out.trader);
    case SwapField::side: {
      std::string_view side;
      if (auto ok = read_string(value, key, side); !ok) return ok;
      if (side == "buy") {
        out.side = core::SwapSide::buy;
      } else if (side == "sell") {
        out.side = core::SwapSide::sell;
      } else {
        return make_error(errc::invalid_value,
                          "field 'side' is '" + std::string(side) + "', expected buy or sell");
      }
      return core::success();
    }
    case SwapField::amount:
      return read_amount(value, key, out.amount);
    case SwapField::amount_usd:
      return read_usd(value, key, out.amount_usd, rounded);
    case SwapField::pool: {
      core::Address pool;
      if (auto ok = read_address(value, key, pool); !ok) return ok;
      out.pool = pool;
      return core::success();
    }
    case SwapField::chain_id: {
      std::uint64_t chain = 0;
      if (auto ok = read_uint(value, key, UINT64_MAX, chain); !ok) return ok;
      out.chain_id = chain;
      return core::success();
    }
    case SwapField::block_number: {
      std::uint64_t block = 0;
      if (auto ok = read_uint(value, key, UINT64_MAX, block); !ok) return ok;
      out.block_number = block;
      return core::success();
    }
    case SwapField::count:
      break;
  }
  return core::success();
}

}  // namespace

SwapDecoder::SwapDecoder() : parser_(kMaxMessageBytes) {}

core::Result<void> SwapDecoder::decode(std::string_view message, core::Swap& out) {
  rounded_ = false;
  simdjson::dom::object object;
  if (auto parsed = parse_object(parser_, message, kMaxMessageBytes, "a swap", object); !parsed) {
    return parsed;
  }
  out.pool.reset();
  out.chain_id.reset();
  out.block_number.reset();
  unsigned seen = 0;
  std::array<std::string_view, 32> unknown{};
  std::size_t unknown_count = 0;
  for (auto [key, value] : object) {
    SwapField field;
    if (!find_field(key, field)) {
      // Unknown fields are allowed (producers add their own), but not twice.
      for (std::size_t i = 0; i < unknown_count; ++i) {
        if (unknown[i] == key) {
          return make_error(errc::duplicate_key, "field '" + std::string(key) + "' appears twice");
        }
      }
      if (unknown_count < unknown.size()) unknown[unknown_count++] = key;
      continue;
    }
    const unsigned bit = 1u << static_cast<unsigned>(field);
    if (seen & bit) {
      return make_error(errc::duplicate_key, "field '" + std::string(key) + "' appears twice");
    }
    if (value.is_null()) continue;  // null counts as absent
    seen |= bit;
    if (auto ok = read_field(field, key, value, out, rounded_); !ok) return ok;
  }
  if ((seen & kRequired) == kRequired) return core::success();
  for (unsigned f = 0; f < 7; ++f) {
    if (!(seen & (1u << f))) {
      return make_error(errc::missing_field,
                        "field '" + std::string(kNames[f]) + "' is missing (or null)");
    }
  }
  return core::success();
}

}  // namespace tokenflow::codec
