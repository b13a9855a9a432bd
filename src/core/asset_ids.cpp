#include "core/asset_ids.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace tokenflow::core {
namespace {

// CoinGecko's ids of the built-in registry's tokens (core/token_registry.cpp), then of the
// native coins the price poller's default --assets and the registry's wrapped tokens quote.
constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kIds{{
    {"USDC", "usd-coin"},        {"USDT", "tether"},          {"DAI", "dai"},
    {"BUSD", "binance-usd"},     {"FRAX", "frax"},            {"GHO", "gho"},
    {"GUSD", "gemini-dollar"},   {"LUSD", "liquity-usd"},     {"PYUSD", "paypal-usd"},
    {"TUSD", "true-usd"},        {"USDP", "paxos-standard"},  {"USDS", "usds"},
    {"USDe", "ethena-usde"},     {"WBTC", "wrapped-bitcoin"}, {"WETH", "weth"},
    {"crvUSD", "crvusd"},        {"sUSD", "nusd"},            {"ETH", "ethereum"},
    {"BTC", "bitcoin"},          {"BDX", "beldex"},
}};

}  // namespace

std::string asset_id_of_symbol(std::string_view symbol) {
  for (const auto& [known, id] : kIds) {
    if (known == symbol) return std::string(id);
  }
  std::string id(symbol);
  for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

std::optional<std::string_view> symbol_of_asset_id(std::string_view id) {
  for (const auto& [symbol, known] : kIds) {
    if (known == id) return symbol;
  }
  return std::nullopt;
}

}  // namespace tokenflow::core
