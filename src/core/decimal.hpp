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
  static Decimal from_integer(std::uint64_t whole) { return Decimal{Uint256(whole), 0}; }

  bool is_zero() const { return mantissa.is_zero(); }
  // The shortest exact text: trailing fractional zeros dropped ("1.50" -> "1.5", "2.0" -> "2").
  std::string to_string() const;
  // The same text written to `out` (at least kMaxTextSize bytes); returns its length. No
  // allocation: the statistics print every volume of every answer with it.
  static constexpr std::size_t kMaxTextSize = Uint256::kMaxDecimalDigits + kMaxScale + 2;
  std::size_t write(char* out) const;
};

}  // namespace tokenflow::core
