// What a sink consumes, for EventSink<Events>: the row type its store receives, the decoder
// that turns a message into one, and the row's id (duplicates within the uncommitted
// batches are left to the earlier one). One struct per kind of event on the wire.
#pragma once

#include <string_view>

#include "codec/price_tick_decoder.hpp"
#include "codec/transfer_decoder.hpp"
#include "core/price_tick.hpp"
#include "core/result.hpp"
#include "core/transfer.hpp"

namespace tokenflow::sinks {

// Topic stablecoin-transfers: one row per transfer (raw.transfers_kafka, SQLite).
struct TransferEvents {
  using Row = core::Transfer;
  using Decoder = codec::TransferDecoder;
  static constexpr std::string_view kName = "transfers";
  static std::string_view id_of(const Row& row) noexcept { return row.id.value; }
  // Decodes into the batch's reused row, keeping its strings' capacity.
  static core::Result<void> decode(Decoder& decoder, std::string_view payload, Row& row) {
    return decoder.decode(payload, row);
  }
};

// Topic market.prices: one row per tick (raw.price_history, the Redis cache).
struct PriceEvents {
  using Row = core::PriceTick;
  using Decoder = codec::PriceTickDecoder;
  static constexpr std::string_view kName = "price ticks";
  static std::string_view id_of(const Row& row) noexcept { return row.id; }
  static core::Result<void> decode(Decoder& decoder, std::string_view payload, Row& row) {
    auto tick = decoder.decode(payload);
    if (!tick.ok()) return std::move(tick).error();
    row = std::move(tick).value();
    return core::success();
  }
};

}  // namespace tokenflow::sinks
