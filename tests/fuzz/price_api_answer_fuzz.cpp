// Fuzzer for the price APIs' answer parsers (CoinGecko's simple/price object, Binance's
// ticker list, Coinbase's spot answer: outside input, sources/*_prices.cpp). The first byte
// picks the API, the rest is the body of a 200 answer. Any bytes must give quotes and
// per-asset faults or an error of the sources category with a non-empty reason that leaves
// the answer as it was; every quote is of an asset the request asked for, positive, its
// price's text reading back the same; every fault names one of those assets and says why;
// never a crash, a hang or a sanitizer report. (Not promised: one outcome per asset for an
// answer that repeats an asset; Binance's parser takes the last "price" of an entry.)
#include <set>
#include <vector>

#include "fuzz_check.hpp"
#include "sources/errc.hpp"
#include "sources/price_api.hpp"

namespace {

using namespace tokenflow;

// The assets of the tests: one quoted everywhere, one not on Binance, one CoinGecko only.
std::vector<sources::PriceAsset> fuzz_price_assets() {
  std::vector<sources::PriceAsset> assets(3);
  assets[0] = {"usd-coin", "USDC", "USDCUSDT", "USDC", std::nullopt, std::nullopt};
  assets[1] = {"tether", "USDT", "", "USDT", std::nullopt, std::nullopt};
  assets[2] = {"beldex", "BDX", "", "", std::nullopt, std::nullopt};
  return assets;
}

bool is_asset_fault(sources::errc reason) {
  return reason == sources::errc::missing_asset || reason == sources::errc::null_price ||
         reason == sources::errc::invalid_price;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto assets = fuzz_price_assets();
  static std::unique_ptr<sources::PriceApi> apis[] = {
      sources::make_coingecko_api({"http://127.0.0.1:1", ""}, assets),
      sources::make_binance_api({"http://127.0.0.1:1", ""}, assets),
      sources::make_coinbase_api({"http://127.0.0.1:1", ""}, assets)};
  if (size == 0) return 0;
  sources::PriceApi& api = *apis[data[0] % 3];
  std::string body(fuzz::as_text(data + 1, size - 1));
  for (const auto& request : api.requests()) {
    sources::PriceAnswer answer;
    answer.faults.push_back({0, sources::errc::missing_asset, "before"});  // must stay as it was
    std::string copy = body;
    auto parsed = api.parse(request, copy, core::UnixMillis{1'717'000'000'000}, answer);
    if (!parsed.ok()) {
      fuzz::check_error(parsed.error(), sources::sources_category());
      fuzz::require(answer.quotes.empty() && answer.faults.size() == 1);
      continue;
    }
    const std::set<std::size_t> asked(request.assets.begin(), request.assets.end());
    for (const auto& quote : answer.quotes) {
      fuzz::require(asked.count(quote.asset) == 1);
      const std::string text = quote.price_usd.to_string();
      auto again = core::Decimal::parse(text);
      fuzz::require(text != "0" && again.ok() && again->to_string() == text);
    }
    for (std::size_t f = 1; f < answer.faults.size(); ++f) {
      const auto& fault = answer.faults[f];
      fuzz::require(asked.count(fault.asset) == 1 && is_asset_fault(fault.reason) &&
                    !fault.detail.empty());
    }
  }
  return 0;
}
