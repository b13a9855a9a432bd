#include "codec/price_tick_decoder.hpp"

#include <unordered_set>

#include "codec/errc.hpp"
#include "codec/json_field.hpp"

namespace tokenflow::codec {
namespace {

// The text of a decimal field: a string as sent, a number by its shortest round-trip text.
core::Result<void> decimal_text(simdjson::dom::element value, std::string_view key,
                                std::string& out) {
  if (value.type() == simdjson::dom::element_type::STRING) {
    out.assign(value.get_string().value_unsafe());
    return {};
  }
  if (value.is_number()) {
    out = simdjson::minify(value);
    return {};
  }
  return make_error(errc::wrong_type, "field '" + std::string(key) + "' is a JSON " +
                                          std::string(json_type_name(value.type())) +
                                          ", not a decimal string like \"0.9998\"");
}

core::Result<void> read_decimal(simdjson::dom::element value, std::string_view key,
                                core::Decimal& out) {
  std::string text;
  if (auto ok = decimal_text(value, key, text); !ok) return ok.error();
  auto parsed = core::Decimal::parse_json_number(text);
  if (!parsed.ok()) {
    return make_error(errc::invalid_value, "field '" + std::string(key) + "': " + parsed.error().message);
  }
  out = *parsed;
  return {};
}

}  // namespace

core::Result<PriceTick> PriceTickDecoder::decode(std::string_view message) {
  simdjson::dom::object object;
  if (auto parsed = parse_object(parser_, message, kMaxMessageBytes, "a price tick", object);
      !parsed) {
    return parsed.error();
  }
  PriceTick tick;
  bool has_price = false;
  bool has_timestamp = false;
  std::unordered_set<std::string_view> seen;
  for (auto [key, value] : object) {
    if (!seen.insert(key).second) {
      return make_error(errc::duplicate_key, "field '" + std::string(key) + "' appears twice");
    }
    if (value.is_null()) continue;
    std::string_view text;
    if (key == "asset" || key == "source" || key == "symbol" || key == "id") {
      if (auto ok = read_string(value, key, text); !ok) return ok.error();
      if (key == "id" && text.size() > kMaxIdBytes) {
        return make_error(errc::invalid_value, "field 'id' is " + std::to_string(text.size()) +
                                                   " bytes; at most " + std::to_string(kMaxIdBytes));
      }
      (key == "asset"    ? tick.asset
       : key == "source" ? tick.source
       : key == "symbol" ? tick.symbol
                         : tick.id)
          .assign(text);
    } else if (key == "price_usd") {
      if (auto ok = read_decimal(value, key, tick.price_usd); !ok) return ok.error();
      has_price = true;
    } else if (key == "volume_24h_usd" || key == "liquidity_usd") {
      core::Decimal figure;
      if (auto ok = read_decimal(value, key, figure); !ok) return ok.error();
      (key == "volume_24h_usd" ? tick.volume_24h_usd : tick.liquidity_usd) = figure;
    } else if (key == "change_24h_pct") {
      std::string number;
      if (auto ok = decimal_text(value, key, number); !ok) return ok.error();
      auto change = core::SignedDecimal::parse(number);
      if (!change.ok()) {
        return make_error(errc::invalid_value, "field 'change_24h_pct': " + change.error().message);
      }
      tick.change_24h_pct = *change;
    } else if (key == "timestamp") {
      if (auto ok = read_timestamp(value, key, tick.timestamp); !ok) return ok.error();
      has_timestamp = true;
    } else if (key == "chain_id") {
      std::uint64_t chain = 0;
      if (auto ok = read_uint(value, key, UINT64_MAX, chain); !ok) return ok.error();
      tick.chain_id = chain;
    } else if (key == "contract_address") {
      core::Address address;
      if (auto ok = read_address(value, key, address); !ok) return ok.error();
      tick.contract_address = address;
    }
  }
  if (tick.asset.empty()) return make_error(errc::missing_field, "field 'asset' is missing or empty");
  if (!has_price) return make_error(errc::missing_field, "field 'price_usd' is missing (or null)");
  if (!has_timestamp) {
    return make_error(errc::missing_field, "field 'timestamp' is missing (or null)");
  }
  // A producer that names no source still gives its ticks a name of their own: the cache keys
  // (<prefix>:price:<asset>:<source>) and the history's key need one.
  if (tick.source.empty()) tick.source = std::string(kUnknownPriceSource);
  if (tick.id.empty()) tick.id = core::price_tick_id(tick.source, tick.asset, tick.timestamp);
  return tick;
}

}  // namespace tokenflow::codec
