// PriceApi: what differs between the price APIs the poller reads (CoinGecko, Binance,
// Coinbase): the requests of one fetch cycle for the configured assets, and the parsing of
// an answer into exact quotes (the JSON number's or string's text as a core::Decimal, never
// a double) and per-asset faults (missing, null, not a price). Parsing is pure: no I/O, no
// clock (the caller passes the time the answer arrived, for APIs that give none).
//
// Lifecycle: built once at start for a fixed list of assets; one thread at a time calls
// parse() (it reuses its simdjson parser).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/decimal.hpp"
#include "core/result.hpp"
#include "core/timestamp.hpp"
#include "sources/errc.hpp"
#include "sources/price_assets.hpp"

namespace tokenflow::sources {

enum class PriceApiKind { coingecko, binance, coinbase };
inline constexpr std::size_t kPriceApiCount = 3;

// "coingecko", "binance", "coinbase": the tick's `source`, flag values and metric labels.
std::string_view price_api_name(PriceApiKind kind) noexcept;
std::optional<PriceApiKind> parse_price_api(std::string_view name) noexcept;

// One asset's price as an answer gave it.
struct PriceQuote {
  std::size_t asset = 0;  // index into the poller's assets
  core::Decimal price_usd;
  core::UnixMillis timestamp{};  // the source's, or the fetch time where it gives none
  std::optional<core::Decimal> volume_24h_usd;
  std::optional<core::SignedDecimal> change_24h_pct;
};

// An asset an answer gave no usable price for: errc::missing_asset, null_price or
// invalid_price, and a sentence naming the asset and what the API said.
struct AssetFault {
  std::size_t asset = 0;
  errc reason = errc::missing_asset;
  std::string detail;
};

struct PriceAnswer {
  std::vector<PriceQuote> quotes;
  std::vector<AssetFault> faults;
};

// One HTTP GET of a cycle and the assets whose price it asks for.
struct PriceRequest {
  std::string url;
  std::vector<std::size_t> assets;
};

class PriceApi {
 public:
  virtual ~PriceApi() = default;
  virtual PriceApiKind kind() const noexcept = 0;
  // The GETs of one cycle (built at construction: the assets do not change).
  virtual const std::vector<PriceRequest>& requests() const noexcept = 0;
  // Headers sent with every request ("Name: value"), e.g. an API key.
  virtual std::span<const std::string> headers() const noexcept { return {}; }
  // Whether a 404 to a request means its assets are not listed (Coinbase's answer for an
  // unknown product), rather than a failure of the API.
  virtual bool not_found_means_missing() const noexcept { return false; }
  // Appends the quotes and faults of a 200 answer to `request`. `body` may be padded in
  // place for simdjson. An error (errc::malformed_response) means nothing of the answer is
  // usable; `out` is then left as it was.
  core::Result<void> parse(const PriceRequest& request, std::string& body,
                           core::UnixMillis fetched_at, PriceAnswer& out) {
    const auto quotes_before = out.quotes.size();
    const auto faults_before = out.faults.size();
    auto parsed = parse_answer(request, body, fetched_at, out);
    if (!parsed.ok()) {
      out.quotes.resize(quotes_before);
      out.faults.resize(faults_before);
    }
    return parsed;
  }

 private:
  // The API's own parsing; on an error it may leave part of the answer in `out`, which
  // parse() takes out again.
  virtual core::Result<void> parse_answer(const PriceRequest& request, std::string& body,
                                          core::UnixMillis fetched_at, PriceAnswer& out) = 0;
};

struct PriceApiOptions {
  std::string base_url;  // "https://api.coingecko.com", no trailing path
  std::string api_key;   // CoinGecko only (COINGECKO_API_KEY); empty: none
};

// The adapter for `kind` over `assets` (those a venue does not quote are left out of its
// requests), one file each: coingecko_prices.cpp, binance_prices.cpp, coinbase_prices.cpp.
std::unique_ptr<PriceApi> make_price_api(PriceApiKind kind, const PriceApiOptions& options,
                                         std::span<const PriceAsset> assets);
std::unique_ptr<PriceApi> make_coingecko_api(const PriceApiOptions& options,
                                             std::span<const PriceAsset> assets);
std::unique_ptr<PriceApi> make_binance_api(const PriceApiOptions& options,
                                           std::span<const PriceAsset> assets);
std::unique_ptr<PriceApi> make_coinbase_api(const PriceApiOptions& options,
                                            std::span<const PriceAsset> assets);

}  // namespace tokenflow::sources
