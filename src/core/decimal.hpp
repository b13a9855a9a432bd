// Decimal: an exact non-negative decimal number, mantissa / 10^scale, for the figures users
// write with a decimal point: USD thresholds ("1000000", "0.5"), prices from price ticks
// ("0.99987"), token-unit thresholds ("10000"). Never rounded through a double.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/uint256.hpp"

namespace tokenflow::core {

struct Decimal {
  static constexpr std::uint8_t kMaxScale = 77;

  Uint256 mantissa{};
  std::uint8_t scale = 0;  // digits after the decimal point

  // Strict: digits, optionally '.' and more digits ("10", "0.25", "1000000.000000", ".5" is
  // refused); thousands separators '_' and ',' are not accepted (say so in flag help).
  // Errors: errc::not_a_number (anything else), errc::out_of_range (over 256 bits or more
  // than kMaxScale fractional digits).
  static Result<Decimal> parse(std::string_view text);
  // A JSON number's text as a price API prints it: what parse() accepts, and also an
  // exponent ("1.23e-05", "2E+3"), shifted exactly into the scale. Used on the number's
  // original text (simdjson On-Demand's raw token), never on a double.
  static Result<Decimal> parse_json_number(std::string_view text);
  static Decimal from_integer(std::uint64_t whole) { return Decimal{Uint256(whole), 0}; }

  bool is_zero() const { return mantissa.is_zero(); }
  // The shortest exact text: trailing fractional zeros dropped ("1.50" -> "1.5", "2.0" -> "2").
  std::string to_string() const;
  // The same text written to `out` (at least kMaxTextSize bytes); returns its length. No
  // allocation: the statistics print every volume of every answer with it.
  static constexpr std::size_t kMaxTextSize = Uint256::kMaxDecimalDigits + kMaxScale + 2;
  std::size_t write(char* out) const;
};

// A decimal with a sign, for the few figures that may be negative (a 24 h price change).
struct SignedDecimal {
  bool negative = false;  // never set for zero
  Decimal magnitude{};

  // What Decimal::parse_json_number accepts, with an optional leading '-'.
  static Result<SignedDecimal> parse(std::string_view text);
  std::string to_string() const;
};

}  // namespace tokenflow::core
