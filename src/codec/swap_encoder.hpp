// Swap -> JSON, the wire form of DESIGN.md (amount and amount_usd as decimal strings,
// timestamp as ISO-8601 UTC, optional fields only when present). The decoder reads back what
// was encoded.
#pragma once

#include <string>

#include "core/swap.hpp"

namespace tokenflow::codec {

// Replaces the contents of `out` with the JSON object (reuses its capacity).
void encode_swap(const core::Swap& swap, std::string& out);
std::string encode_swap(const core::Swap& swap);

}  // namespace tokenflow::codec
