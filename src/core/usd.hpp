// UsdMicros: an exact USD amount as a count of millionths (fixed point, 6 decimals), the
// type of a swap's `amount_usd` and of every volume the statistics add up. Nothing that
// decides a figure goes through a double.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/uint256.hpp"

namespace tokenflow::core {

struct UsdMicros {
  std::uint64_t value = 0;
  friend auto operator<=>(const UsdMicros&, const UsdMicros&) = default;
};

// The largest amount one event may carry: 10^12 USD. Far above any real swap, and small
// enough that 18 of them fit a 64-bit sum, so a bucket overflows only on hostile input.
inline constexpr std::uint64_t kMaxEventUsdMicros = 1'000'000'000'000'000'000ULL;

enum class UsdParse { ok, rounded, invalid, out_of_range };

// Decimal text "1234.5678901" (core::Decimal's form: digits, optionally '.' and digits; no
// sign, no exponent). More than 6 fraction digits are rounded half-to-even (`rounded` when
// a dropped digit was not zero).
UsdParse parse_usd(std::string_view text, UsdMicros& out) noexcept;

// `value` base units of a token with `decimals` decimals, at `price` USD per whole token:
// value * price / 10^decimals, exact, rounded half-to-even to micro-USD (`rounded` when a
// dropped digit was not zero), `out_of_range` beyond kMaxEventUsdMicros or when value * price
// exceeds 256 bits (possible below 10^12 USD only for tokens with 60 or more decimals).
// A transfer's USD value at its registry peg. No allocation.
UsdParse usd_of_base_units(const Uint256& value, std::uint8_t decimals, UsdMicros price,
                           UsdMicros& out) noexcept;

// "1234.56" (trailing fraction zeros dropped, "0" for zero). `micros` may be any sum of
// UsdMicros (window totals), so it is a Uint256. No allocation beyond `out`.
void append_usd(std::string& out, Uint256 micros);
inline void append_usd(std::string& out, UsdMicros v) { append_usd(out, Uint256(v.value)); }
std::string to_string(UsdMicros v);

}  // namespace tokenflow::core
