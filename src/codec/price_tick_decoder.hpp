// PriceTickDecoder: one message of topic `market.prices` -> a validated PriceTick
// (DESIGN.md, Events on the wire): `asset` (a symbol such as "USDC", or a contract address),
// `price_usd` (a decimal string, kept exact; a JSON number is taken by its text), `timestamp`
// (ISO-8601 UTC or unix seconds), `source`, optional `chain_id`. Rejections name the field,
// as the transfer decoder's do.
//
// One decoder per thread (it owns its simdjson parser).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "core/decimal.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"

namespace tokenflow::codec {

struct PriceTick {
  std::string asset;
  core::Decimal price_usd;
  core::UnixMillis timestamp{};
  std::string source;
  std::optional<std::uint64_t> chain_id;
};

class PriceTickDecoder {
 public:
  static constexpr std::size_t kMaxMessageBytes = 16 * 1024;
  core::Result<PriceTick> decode(std::string_view message);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace tokenflow::codec
