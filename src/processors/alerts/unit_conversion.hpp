// Exact conversions between a token's base units and the figures alert rules are written
// in: USD at a price, and whole token units. A rule threshold is turned into base units once
// (when the price changes), so deciding an alert is one 256-bit comparison per transfer and
// no float rounding ever decides one: 1,000,000.000000 USDC is large at a 1,000,000 USD
// threshold, 999,999.999999 is not.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/decimal.hpp"
#include "core/uint256.hpp"

namespace tokenflow::processors {

// The smallest amount in base units whose value, value / 10^decimals * price, is at least
// `usd`; nullopt when no 256-bit amount reaches it (a zero price, or a threshold beyond
// 2^256-1 base units).
std::optional<core::Uint256> base_units_reaching_usd(const core::Decimal& usd,
                                                     const core::Decimal& price,
                                                     std::uint8_t decimals);

// The smallest amount in base units that is at least `tokens` whole units; nullopt when
// beyond 2^256-1.
std::optional<core::Uint256> base_units_reaching_tokens(const core::Decimal& tokens,
                                                        std::uint8_t decimals);

// value / 10^decimals * price, truncated to `fraction_digits` decimals ("1000000.000000").
std::string usd_value_text(const core::Uint256& value, std::uint8_t decimals,
                           const core::Decimal& price, int fraction_digits);

// value / 10^decimals exactly, trailing fractional zeros dropped ("1000000", "0.5").
std::string token_units_text(const core::Uint256& value, std::uint8_t decimals);

// "1234567.891" -> "1,234,567.89" with `fraction_digits` kept (truncated) for people.
std::string with_thousands_separators(const std::string& decimal_text, int fraction_digits);

}  // namespace tokenflow::processors
