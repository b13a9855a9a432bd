// Transfer -> JSON, the wire form of DESIGN.md (snake_case, value as a decimal string,
// timestamp as ISO-8601 UTC, optional fields only when present). What the decoder reads back
// is equal to what was encoded.
#pragma once

#include <string>

#include "core/transfer.hpp"

namespace tokenflow::codec {

// Replaces the contents of `out` with the JSON object (reuses its capacity).
void encode_transfer(const core::Transfer& transfer, std::string& out);
std::string encode_transfer(const core::Transfer& transfer);

}  // namespace tokenflow::codec
