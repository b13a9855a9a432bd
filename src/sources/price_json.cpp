#include "sources/price_json.hpp"

#include <algorithm>

#include "sources/errc.hpp"

namespace tokenflow::sources {

core::Result<std::string_view> number_text(simdjson::ondemand::value value, std::string_view what) {
  simdjson::ondemand::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) {
    return make_error(errc::invalid_price, std::string(what) + " is not valid JSON");
  }
  if (type == simdjson::ondemand::json_type::null) {
    return make_error(errc::null_price, std::string(what) + " is null");
  }
  std::string_view text;
  if (type == simdjson::ondemand::json_type::string) {
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      return make_error(errc::invalid_price, std::string(what) + " is not a valid string");
    }
    return text;
  }
  text = value.raw_json_token();
  if (type != simdjson::ondemand::json_type::number) {
    return make_error(errc::invalid_price,
                      std::string(what) + " is not a number (" + std::string(text.substr(0, 40)) + ")");
  }
  // The raw token may carry the whitespace before the next structural character.
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

core::Result<core::Decimal> read_price(simdjson::ondemand::value value, std::string_view what) {
  auto text = number_text(value, what);
  if (!text.ok()) return std::move(text).error();
  return price_of_text(*text, what);
}

core::Result<core::Decimal> price_of_text(std::string_view text, std::string_view what) {
  auto price = core::Decimal::parse_json_number(text);
  if (!price.ok()) {
    return make_error(errc::invalid_price, std::string(what) + " '" +
                                               std::string(text.substr(0, 80)) +
                                               "' is not a price: " + price.error().message);
  }
  if (price->is_zero()) {
    // A venue prints 0 for a pair that stopped trading; no asset is worth exactly nothing.
    return make_error(errc::invalid_price,
                      std::string(what) + " is 0, which price APIs print for an asset they "
                                          "no longer quote");
  }
  return *price;
}

core::Result<std::optional<core::Decimal>> read_optional_decimal(simdjson::ondemand::value value,
                                                                 std::string_view what) {
  auto text = number_text(value, what);
  if (!text.ok()) {
    if (text.error().code == errc::null_price) return std::optional<core::Decimal>{};
    return std::move(text).error();
  }
  auto figure = core::Decimal::parse_json_number(*text);
  if (!figure.ok()) {
    return make_error(errc::invalid_price, std::string(what) + ": " + figure.error().message);
  }
  return std::optional<core::Decimal>(*figure);
}

core::Result<std::optional<core::SignedDecimal>> read_optional_signed(
    simdjson::ondemand::value value, std::string_view what) {
  auto text = number_text(value, what);
  if (!text.ok()) {
    if (text.error().code == errc::null_price) return std::optional<core::SignedDecimal>{};
    return std::move(text).error();
  }
  auto figure = core::SignedDecimal::parse(*text);
  if (!figure.ok()) {
    return make_error(errc::invalid_price, std::string(what) + ": " + figure.error().message);
  }
  return std::optional<core::SignedDecimal>(*figure);
}

bool at_document_end(simdjson::ondemand::document& doc) noexcept {
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

simdjson::padded_string_view padded_view(std::string& body) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  return simdjson::padded_string_view(body.data(), body.size(), body.capacity());
}

core::Error malformed_answer(std::string_view url, std::string_view why, std::string_view body) {
  std::string excerpt(body.substr(0, 120));
  std::replace_if(
      excerpt.begin(), excerpt.end(), [](char c) { return c < 0x20; }, ' ');
  return make_error(errc::malformed_response, "the answer of " + std::string(url) +
                                                  " is not the expected JSON (" +
                                                  std::string(why) + "): " + excerpt);
}

}  // namespace tokenflow::sources
