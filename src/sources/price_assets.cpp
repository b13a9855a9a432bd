#include "sources/price_assets.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "core/asset_ids.hpp"
#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

// Ids of the built-in table that only CoinGecko quotes (no Binance USDT pair, no Coinbase
// product): not asked of the venues unless a mapping file names their market there.
bool is_coingecko_only(std::string_view id) { return id == "beldex"; }

std::string upper_case(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

core::Error bad_map_entry(const std::string& origin, std::string_view asset, const char* field,
                          const char* expected) {
  return make_error(errc::malformed_response,
                    "asset map '" + origin + "': \"" + std::string(asset) + "\"." + field +
                        " must be " + expected);
}

}  // namespace

core::Result<AssetMap> parse_asset_map(std::string_view text, const std::string& origin) {
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (auto code = parser.parse(text.data(), text.size()).get(root); code) {
    return make_error(errc::malformed_response,
                      "asset map '" + origin + "' is not a JSON object of asset ids (" +
                          simdjson::error_message(code) + "); see docs/prices.md");
  }
  AssetMap map;
  for (auto [id, value] : root) {
    simdjson::dom::object fields;
    if (value.get(fields) != simdjson::SUCCESS) {
      return bad_map_entry(origin, id, "", "an object");
    }
    AssetMapEntry entry;
    for (auto [key, field] : fields) {
      std::string_view text_value;
      if (key == "chain_id") {
        std::uint64_t chain = 0;
        if (field.get(chain) != simdjson::SUCCESS) {
          return bad_map_entry(origin, id, "chain_id", "an unsigned integer");
        }
        entry.chain_id = chain;
        continue;
      }
      if (field.get(text_value) != simdjson::SUCCESS) {
        return bad_map_entry(origin, id, std::string(key).c_str(), "a string");
      }
      if (key == "symbol") {
        entry.symbol = std::string(text_value);
      } else if (key == "binance") {
        entry.binance_pair = upper_case(text_value);
      } else if (key == "coinbase") {
        entry.coinbase_base = upper_case(text_value);
      } else if (key == "contract_address") {
        auto address = core::Address::parse(text_value);
        if (!address.ok()) {
          return bad_map_entry(origin, id, "contract_address", "a 0x-prefixed 20-byte address");
        }
        entry.contract_address = *address;
      } else {
        return make_error(errc::malformed_response,
                          "asset map '" + origin + "': \"" + std::string(id) + "\" has field \"" +
                              std::string(key) +
                              "\"; known: symbol, binance, coinbase, chain_id, contract_address");
      }
    }
    map.emplace(std::string(id), std::move(entry));
  }
  return map;
}

core::Result<AssetMap> load_asset_map(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(errc::io_error, "cannot read asset map '" + path +
                                          "': check --asset-map names a readable file");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_asset_map(buffer.str(), path);
}

core::Result<void> check_coingecko_id(std::string_view id) {
  const bool id_like = std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
  if (id_like) return core::success();
  std::string hint;
  const std::string as_id = core::asset_id_of_symbol(id);
  if (as_id != id && core::symbol_of_asset_id(as_id)) {
    hint = "; '" + std::string(id) + "' looks like a symbol: did you mean '" + as_id + "'?";
  }
  return make_error(errc::missing_asset,
                    "--assets takes CoinGecko ids (lower case letters, digits and '-', as in "
                    "https://www.coingecko.com/en/coins/<id>), not '" +
                        std::string(id) + "'" + hint);
}

core::Result<std::vector<PriceAsset>> resolve_price_assets(const std::vector<std::string>& ids,
                                                           const AssetMap& map,
                                                           const core::TokenRegistry& registry) {
  std::vector<PriceAsset> assets;
  std::set<std::string, std::less<>> seen;
  for (const auto& id : ids) {
    if (id.empty()) {
      return make_error(errc::missing_asset,
                        "--assets holds an empty id: give CoinGecko ids separated by commas");
    }
    if (auto valid = check_coingecko_id(id); !valid.ok()) return valid.error();
    if (!seen.insert(id).second) continue;
    PriceAsset asset;
    asset.id = id;
    const auto entry = map.find(id);
    const AssetMapEntry* mapped = entry == map.end() ? nullptr : &entry->second;
    if (mapped && mapped->symbol) {
      asset.symbol = *mapped->symbol;
    } else if (auto known = core::symbol_of_asset_id(id)) {
      asset.symbol = std::string(*known);
    }
    const std::string venue_symbol = upper_case(asset.symbol);
    const bool coingecko_only = is_coingecko_only(id);
    // Binance quotes USD through USDT pairs; USDT itself has no pair against itself.
    if (mapped && mapped->binance_pair) {
      asset.binance_pair = *mapped->binance_pair;
    } else if (!venue_symbol.empty() && venue_symbol != "USDT" && !coingecko_only) {
      asset.binance_pair = venue_symbol + "USDT";
    }
    if (mapped && mapped->coinbase_base) {
      asset.coinbase_base = *mapped->coinbase_base;
    } else if (!coingecko_only) {
      asset.coinbase_base = venue_symbol;
    }
    if (mapped && mapped->contract_address) {
      asset.contract_address = mapped->contract_address;
      asset.chain_id = mapped->chain_id.value_or(core::kEthereumMainnet);
    } else if (!asset.symbol.empty()) {
      const auto chain = mapped && mapped->chain_id ? *mapped->chain_id : core::kEthereumMainnet;
      const auto& tokens = registry.tokens();
      auto token = std::find_if(tokens.begin(), tokens.end(), [&](const core::TokenInfo& t) {
        return t.chain_id == chain && t.symbol == asset.symbol;
      });
      if (token != tokens.end()) {
        asset.chain_id = chain;
        asset.contract_address = token->contract;
      }
    }
    assets.push_back(std::move(asset));
  }
  return assets;
}

}  // namespace tokenflow::sources
