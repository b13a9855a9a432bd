// Binance's /api/v3/ticker/price: [{"symbol":"BTCUSDT","price":"67000.01000000"}, ...],
// prices as strings, no timestamp (each tick is stamped with the fetch time). The whole list
// is fetched and filtered: with ?symbols=[...] one unknown or delisted symbol makes Binance
// refuse the request (400, code -1121) for every asset. USD is approximated by USDT.
#include <functional>
#include <unordered_map>

#include "sources/price_api.hpp"
#include "sources/price_json.hpp"

namespace tokenflow::sources {
namespace {

struct BinancePairHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

class BinanceApi final : public PriceApi {
 public:
  BinanceApi(const PriceApiOptions& options, std::span<const PriceAsset> assets)
      : pairs_(assets.size()) {
    PriceRequest& request = requests_.emplace_back();
    request.url = options.base_url + "/api/v3/ticker/price";
    for (std::size_t i = 0; i < assets.size(); ++i) {
      if (assets[i].binance_pair.empty()) continue;
      index_.emplace(assets[i].binance_pair, i);
      pairs_[i] = assets[i].binance_pair;
      request.assets.push_back(i);
    }
    if (request.assets.empty()) requests_.clear();
  }

  PriceApiKind kind() const noexcept override { return PriceApiKind::binance; }
  const std::vector<PriceRequest>& requests() const noexcept override { return requests_; }

 private:
  core::Result<void> parse_answer(const PriceRequest& request, std::string& body,
                                  core::UnixMillis fetched_at, PriceAnswer& out) override {
    seen_.assign(pairs_.size(), 0);
    simdjson::ondemand::document doc;
    simdjson::ondemand::array list;
    if (auto code = parser_.iterate(padded_view(body)).get(doc); code) {
      return malformed_answer(request.url, simdjson::error_message(code), body);
    }
    if (auto code = doc.get_array().get(list); code) {
      return malformed_answer(request.url, "not an array of tickers", body);
    }
    for (auto element : list) {
      simdjson::ondemand::object ticker;
      if (auto code = element.get_object().get(ticker); code) {
        return malformed_answer(request.url, "a ticker is not an object", body);
      }
      // Binance prints "symbol" before "price", but JSON does not promise the order: the
      // price's text is kept until the ticker's end says whether the pair was asked for.
      std::optional<std::size_t> asset;
      std::optional<core::Result<std::string_view>> price_text;
      for (auto field : ticker) {
        std::string_view key;
        if (auto code = field.unescaped_key().get(key); code) {
          return malformed_answer(request.url, simdjson::error_message(code), body);
        }
        simdjson::ondemand::value value;
        if (auto code = field.value().get(value); code) {
          return malformed_answer(request.url, simdjson::error_message(code), body);
        }
        if (key == "symbol") {
          std::string_view symbol;
          if (value.get_string().get(symbol) != simdjson::SUCCESS) {
            return malformed_answer(request.url, "a symbol is not a string", body);
          }
          auto found = index_.find(symbol);
          if (found != index_.end() && !seen_[found->second]) asset = found->second;
        } else if (key == "price") {
          price_text = number_text(value, "binance price");
        }
      }
      if (!asset) continue;
      seen_[*asset] = 1;
      const std::string what = "binance " + pairs_[*asset] + " price";
      if (!price_text) {
        out.faults.push_back({*asset, errc::null_price, "binance " + pairs_[*asset] + " has no price"});
        continue;
      }
      auto price = price_text->ok()
                       ? price_of_text(**price_text, what)
                       : core::Result<core::Decimal>(core::Error{
                             price_text->error().code, pairs_[*asset] + ": " + price_text->error().message});
      if (!price.ok()) {
        out.faults.push_back(
            {*asset, static_cast<errc>(price.error().code.value()), price.error().message});
      } else {
        out.quotes.push_back({*asset, *price, fetched_at, std::nullopt, std::nullopt});
      }
    }
    if (!at_document_end(doc)) return malformed_answer(request.url, "trailing bytes after the array", body);
    for (std::size_t asset : request.assets) {
      if (!seen_[asset]) {
        out.faults.push_back({asset, errc::missing_asset,
                              "binance lists no pair " + pairs_[asset] +
                                  " (not traded there; name another with --asset-map)"});
      }
    }
    return core::success();
  }

  std::vector<PriceRequest> requests_;
  std::unordered_map<std::string, std::size_t, BinancePairHash, std::equal_to<>> index_;
  std::vector<std::string> pairs_;
  std::vector<char> seen_;
  simdjson::ondemand::parser parser_;
};

}  // namespace

std::unique_ptr<PriceApi> make_binance_api(const PriceApiOptions& options,
                                           std::span<const PriceAsset> assets) {
  return std::make_unique<BinanceApi>(options, assets);
}

}  // namespace tokenflow::sources
