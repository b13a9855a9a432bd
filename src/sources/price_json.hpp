// Reading prices out of price API answers with simdjson On-Demand, exactly: a number is read
// from its original text (raw_json_token), a string of a number the same way, and neither
// ever goes through a double. Shared by the CoinGecko, Binance and Coinbase adapters.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/decimal.hpp"
#include "core/result.hpp"

namespace tokenflow::sources {

// A price: a JSON number or a string holding one ("0.9998", "1.2e-7"), positive. Errors
// name `what` ("binance BTCUSDT price") and the text: errc::null_price for null,
// errc::invalid_price for anything else (negative, zero, not a number, too precise).
core::Result<core::Decimal> read_price(simdjson::ondemand::value value, std::string_view what);
// read_price in two steps, for a value met before the field that says whether it is wanted:
// the text of a number or of a string holding one (valid while the document is), then the
// price it holds. Errors as read_price's.
core::Result<std::string_view> number_text(simdjson::ondemand::value value, std::string_view what);
core::Result<core::Decimal> price_of_text(std::string_view text, std::string_view what);

// A non-negative figure such as a 24 h volume; null reads as absent (nullopt).
core::Result<std::optional<core::Decimal>> read_optional_decimal(simdjson::ondemand::value value,
                                                                 std::string_view what);
// A signed figure such as a 24 h change in percent; null reads as absent.
core::Result<std::optional<core::SignedDecimal>> read_optional_signed(
    simdjson::ondemand::value value, std::string_view what);

// Whether the whole answer was read: nothing after the root value (simdjson 3.0's On-Demand
// has no document::at_end; its position reports OUT_OF_BOUNDS there).
bool at_document_end(simdjson::ondemand::document& doc) noexcept;

// Makes `body` padded for simdjson (capacity only, the size is unchanged) and views it.
simdjson::padded_string_view padded_view(std::string& body);

// The error for an answer that is not the expected JSON, naming the url, the reason and
// the answer's first bytes.
core::Error malformed_answer(std::string_view url, std::string_view why, std::string_view body);

}  // namespace tokenflow::sources
