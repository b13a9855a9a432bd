// PriceAsset: one asset the price poller asks for (a CoinGecko id from --assets) and how each
// price API names it: Binance's USDT pair, Coinbase's base currency, and the registry's
// contract where one is known. Resolved once at start from the one id <-> symbol table
// (core/asset_ids), the token registry and an optional mapping file (--asset-map).
//
// Mapping file (JSON), every field optional; "" for binance or coinbase says the venue has no
// market for the asset:
//   {"beldex": {"symbol": "BDX", "binance": "", "coinbase": "",
//               "chain_id": 1, "contract_address": "0x..."}}
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"
#include "core/token_registry.hpp"

namespace tokenflow::sources {

struct PriceAsset {
  std::string id;             // CoinGecko's id, the tick's `asset` and Kafka key
  std::string symbol;         // "USDC"; empty when neither the table nor the map knows it
  std::string binance_pair;   // "USDCUSDT"; empty: not quoted by Binance
  std::string coinbase_base;  // "USDC" (product USDC-USD); empty: not quoted by Coinbase
  std::optional<std::uint64_t> chain_id;
  std::optional<core::Address> contract_address;
};

// One entry of a mapping file: what it says, nullopt where it says nothing.
struct AssetMapEntry {
  std::optional<std::string> symbol;
  std::optional<std::string> binance_pair;
  std::optional<std::string> coinbase_base;
  std::optional<std::uint64_t> chain_id;
  std::optional<core::Address> contract_address;
};
using AssetMap = std::map<std::string, AssetMapEntry, std::less<>>;

// Parses a mapping file's text; `origin` (the path) names it in errors.
// Errors: errc::malformed_response naming the file, the asset and the field.
core::Result<AssetMap> parse_asset_map(std::string_view text, const std::string& origin);
// Reads and parses the file. Errors: as parse_asset_map, errc::io_error if unreadable.
core::Result<AssetMap> load_asset_map(const std::string& path);

// The assets of `ids` in order (duplicates dropped). The symbol comes from the map, else
// from core::symbol_of_asset_id; Binance quotes "<SYMBOL>USDT" (none for USDT itself),
// Coinbase "<SYMBOL>-USD"; the contract from the map, else from the registry's token of
// that symbol on Ethereum mainnet. Errors: an empty id (errc::missing_asset).
// An id as CoinGecko spells them (lower case letters, digits, '-', '_', '.'); an error naming
// the id, and the id of a symbol given instead ("USDC": did you mean 'usd-coin'?).
core::Result<void> check_coingecko_id(std::string_view id);

core::Result<std::vector<PriceAsset>> resolve_price_assets(const std::vector<std::string>& ids,
                                                           const AssetMap& map,
                                                           const core::TokenRegistry& registry);

}  // namespace tokenflow::sources
