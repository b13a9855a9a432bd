// SwapDecoder: one Kafka message of `defi.swaps` (JSON bytes) -> a validated core::Swap.
// Fields (DESIGN.md): id, timestamp, token, trader, side (buy|sell), amount (base units),
// amount_usd (decimal string, or a JSON integer), optional pool, chain_id, block_number.
// Rejects what the transfer decoder rejects (empty, not one object, duplicate keys, missing
// or mistyped fields, invalid addresses, ids over 256 bytes) plus a side that is neither buy
// nor sell and an amount_usd that is negative, not decimal or above 10^12 USD.
//
// amount_usd with more than 6 fraction digits is rounded half-to-even; rounded() says so for
// the last message, so the caller can count it. One decoder per thread (owns its parser).
#pragma once

#include <string_view>

#include <simdjson.h>

#include "core/result.hpp"
#include "core/swap.hpp"

namespace tokenflow::codec {

class SwapDecoder {
 public:
  static constexpr std::size_t kMaxMessageBytes = 64 * 1024;

  SwapDecoder();

  // Overwrites `out` entirely (optional fields absent from the message are reset).
  core::Result<void> decode(std::string_view message, core::Swap& out);
  bool rounded() const noexcept { return rounded_; }

 private:
  simdjson::dom::parser parser_;
  bool rounded_ = false;
};

}  // namespace tokenflow::codec
