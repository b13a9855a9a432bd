// PriceTick -> JSON, the wire form of DESIGN.md: prices, volumes and the change as decimal
// strings (exact), timestamp as ISO-8601 UTC, optional fields only when present. The decoder
// reads back what was encoded.
#pragma once

#include <string>

#include "core/price_tick.hpp"

namespace tokenflow::codec {

// Replaces the contents of `out` with the JSON object (reuses its capacity).
void encode_price_tick(const core::PriceTick& tick, std::string& out);
std::string encode_price_tick(const core::PriceTick& tick);

}  // namespace tokenflow::codec
