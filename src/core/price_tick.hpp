// PriceTick: one price of one asset from one source, the message of topic `market.prices`
// (DESIGN.md, Events on the wire). Prices are exact decimals as the source printed them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/address.hpp"
#include "core/decimal.hpp"
#include "core/timestamp.hpp"

namespace tokenflow::core {

struct PriceTick {
  // "<source>:<asset>:<timestamp in unix milliseconds>": the same tick re-sent has the same id.
  std::string id;
  std::string asset;   // a CoinGecko-style id ("usd-coin"), a symbol, or a contract address
  std::string symbol;  // "USDC"; empty when the source did not say
  Decimal price_usd;
  UnixMillis timestamp{};
  std::string source;  // "coingecko", "binance", "coinbase", "simulator", ...
  std::optional<std::uint64_t> chain_id;
  std::optional<Address> contract_address;
  std::optional<Decimal> volume_24h_usd;
  std::optional<SignedDecimal> change_24h_pct;
  std::optional<Decimal> liquidity_usd;
};

// The stable id of a tick: "<source>:<asset>:<unix milliseconds>".
std::string price_tick_id(std::string_view source, std::string_view asset, UnixMillis timestamp);

}  // namespace tokenflow::core
