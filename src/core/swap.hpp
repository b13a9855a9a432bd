// Swap: one DEX trade, the message of topic `defi.swaps` (DESIGN.md, Events on the wire).
// `amount_usd` is exact (fixed point, 6 decimals); the statistics add it up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/address.hpp"
#include "core/timestamp.hpp"
#include "core/transfer.hpp"
#include "core/uint256.hpp"
#include "core/usd.hpp"

namespace tokenflow::core {

enum class SwapSide : std::uint8_t { buy, sell };

struct Swap {
  EventId id;
  UnixMillis timestamp;
  Address token;
  Address trader;
  SwapSide side = SwapSide::buy;
  Uint256 amount;  // base units of the token
  UsdMicros amount_usd;
  // Optional fields: empty / nullopt when absent.
  std::optional<Address> pool;
  std::optional<std::uint64_t> chain_id;
  std::optional<std::uint64_t> block_number;

  friend bool operator==(const Swap&, const Swap&) = default;
};

}  // namespace tokenflow::core
