#include "codec/price_tick_decoder.hpp"

#include <unordered_set>

#include "codec/errc.hpp"
#include "codec/json_field.hpp"

namespace tokenflow::codec {

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
    if (key == "asset" || key == "source") {
      if (auto ok = read_string(value, key, text); !ok) return ok.error();
      (key == "asset" ? tick.asset : tick.source).assign(text);
    } else if (key == "price_usd") {
      std::string number;
      if (value.type() == simdjson::dom::element_type::STRING) {
        number.assign(value.get_string().value_unsafe());
      } else if (value.is_number()) {
        number = simdjson::minify(value);
      } else {
        return make_error(errc::wrong_type, "field 'price_usd' is a JSON " +
                                                std::string(json_type_name(value.type())) +
                                                ", not a decimal string like \"0.9998\"");
      }
      auto price = core::Decimal::parse(number);
      if (!price.ok()) {
        return make_error(errc::invalid_value, "field 'price_usd': " + price.error().message);
      }
      tick.price_usd = *price;
      has_price = true;
    } else if (key == "timestamp") {
      if (auto ok = read_timestamp(value, key, tick.timestamp); !ok) return ok.error();
      has_timestamp = true;
    } else if (key == "chain_id") {
      std::uint64_t chain = 0;
      if (auto ok = read_uint(value, key, UINT64_MAX, chain); !ok) return ok.error();
      tick.chain_id = chain;
    }
  }
  if (tick.asset.empty()) return make_error(errc::missing_field, "field 'asset' is missing or empty");
  if (!has_price) return make_error(errc::missing_field, "field 'price_usd' is missing (or null)");
  if (!has_timestamp) {
    return make_error(errc::missing_field, "field 'timestamp' is missing (or null)");
  }
  return tick;
}

}  // namespace tokenflow::codec
