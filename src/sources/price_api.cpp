#include "sources/price_api.hpp"

namespace tokenflow::sources {

std::string_view price_api_name(PriceApiKind kind) noexcept {
  switch (kind) {
    case PriceApiKind::coingecko: return "coingecko";
    case PriceApiKind::binance: return "binance";
    case PriceApiKind::coinbase: return "coinbase";
  }
  return "unknown";
}

std::optional<PriceApiKind> parse_price_api(std::string_view name) noexcept {
  for (auto kind : {PriceApiKind::coingecko, PriceApiKind::binance, PriceApiKind::coinbase}) {
    if (price_api_name(kind) == name) return kind;
  }
  return std::nullopt;
}

std::unique_ptr<PriceApi> make_price_api(PriceApiKind kind, const PriceApiOptions& options,
                                         std::span<const PriceAsset> assets) {
  switch (kind) {
    case PriceApiKind::coingecko: return make_coingecko_api(options, assets);
    case PriceApiKind::binance: return make_binance_api(options, assets);
    case PriceApiKind::coinbase: return make_coinbase_api(options, assets);
  }
  return nullptr;
}

}  // namespace tokenflow::sources
