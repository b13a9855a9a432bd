// PriceTickDecoder: one message of topic `market.prices` -> a validated core::PriceTick
// (DESIGN.md, Events on the wire). Required: `asset`, `price_usd`, `timestamp` (ISO-8601 UTC
// or unix seconds). Optional: `id` (derived as "<source>:<asset>:<unix ms>" when absent, so a
// foreign producer's re-sent tick is still recognisable), `source`, `symbol`, `chain_id`,
// `contract_address`, `volume_24h_usd`, `change_24h_pct` (may be negative), `liquidity_usd`.
// Prices and volumes are decimal strings, kept exact. A JSON number is accepted too, but the
// DOM parser has already read it as a double: its shortest round-trip text is used, which is
// exact for the 15 significant digits price APIs print (tokenflow's producers send strings).
// Rejections name the field, as the transfer decoder's do.
//
// One decoder per thread (it owns its simdjson parser).
#pragma once

#include <cstdint>
#include <string_view>

#include <simdjson.h>

#include "core/price_tick.hpp"
#include "core/result.hpp"

namespace tokenflow::codec {

using PriceTick = core::PriceTick;

// The source of a tick whose producer named none.
inline constexpr std::string_view kUnknownPriceSource = "unknown";

class PriceTickDecoder {
 public:
  static constexpr std::size_t kMaxMessageBytes = 16 * 1024;
  static constexpr std::size_t kMaxIdBytes = 256;
  core::Result<PriceTick> decode(std::string_view message);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace tokenflow::codec
