// Reads a token registry file (JSON) into a core::TokenRegistry, adding to or overriding
// the built-in tokens. Format:
//   {"tokens": [{"symbol": "USDC", "address": "0xa0b8...", "decimals": 6,
//                "chain_id": 1, "peg_usd": "1.00", "name": "USD Coin",
//                "large_transfer_usd": "500000", "critical_transfer_usd": "5000000",
//                "min_tokens": "10000"}, ...]}
// (a bare array of tokens is accepted too). `chain_id` defaults to 1, `peg_usd` to none;
// the three alert thresholds (per-token overrides for `tokenflow alerts`) to none.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/token_registry.hpp"

namespace tokenflow::codec {

core::Result<void> load_token_registry_file(const std::string& path, core::TokenRegistry& registry);
core::Result<void> parse_token_registry(std::string_view json, const std::string& origin,
                                        core::TokenRegistry& registry);

// "1", "0.999", "1.000001" -> millionths; more than 6 fractional digits is an error.
core::Result<std::uint64_t> parse_usd_micros(std::string_view text);

}  // namespace tokenflow::codec
