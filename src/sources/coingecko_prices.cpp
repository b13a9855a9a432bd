// CoinGecko's /api/v3/simple/price: {"usd-coin":{"usd":0.999,"usd_24h_vol":1234.5,
// "usd_24h_change":-0.01,"last_updated_at":1717000000}, ...}. Ids it does not know are left
// out of the answer; a price it has not got is null. last_updated_at (unix seconds) is the
// tick's timestamp, so a price CoinGecko has not refreshed is recognised as unchanged.
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "sources/price_api.hpp"
#include "sources/price_json.hpp"

namespace tokenflow::sources {
namespace {

// Ids per request: the query stays a few KiB, under what proxies and CDNs accept.
constexpr std::size_t kCoingeckoIdsPerRequest = 250;

void append_query_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

// Heterogeneous lookup: an answer's keys are found without building a string each.
struct CoingeckoIdHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

class CoingeckoApi final : public PriceApi {
 public:
  CoingeckoApi(const PriceApiOptions& options, std::span<const PriceAsset> assets) {
    for (std::size_t i = 0; i < assets.size(); ++i) {
      index_.emplace(assets[i].id, i);
      ids_.push_back(assets[i].id);
    }
    for (std::size_t first = 0; first < assets.size(); first += kCoingeckoIdsPerRequest) {
      PriceRequest& request = requests_.emplace_back();
      request.url = options.base_url + "/api/v3/simple/price?ids=";
      const std::size_t end = std::min(assets.size(), first + kCoingeckoIdsPerRequest);
      for (std::size_t i = first; i < end; ++i) {
        if (i > first) request.url += "%2C";
        append_query_escaped(request.url, assets[i].id);
        request.assets.push_back(i);
      }
      request.url +=
          "&vs_currencies=usd&include_last_updated_at=true&include_24hr_vol=true"
          "&include_24hr_change=true";
    }
    if (!options.api_key.empty()) {
      // Pro keys go to pro-api.coingecko.com under their own header; demo keys to the public API.
      const bool pro = options.base_url.find("pro-api.coingecko.com") != std::string::npos;
      headers_.push_back(std::string(pro ? "x-cg-pro-api-key: " : "x-cg-demo-api-key: ") +
                         options.api_key);
    }
  }

  PriceApiKind kind() const noexcept override { return PriceApiKind::coingecko; }
  const std::vector<PriceRequest>& requests() const noexcept override { return requests_; }
  std::span<const std::string> headers() const noexcept override { return headers_; }

 private:
  core::Result<void> parse_answer(const PriceRequest& request, std::string& body,
                                  core::UnixMillis fetched_at, PriceAnswer& out) override {
    seen_.assign(ids_.size(), 0);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object root;
    if (auto code = parser_.iterate(padded_view(body)).get(doc); code) {
      return malformed_answer(request.url, simdjson::error_message(code), body);
    }
    if (auto code = doc.get_object().get(root); code) {
      return malformed_answer(request.url, "not an object of asset ids", body);
    }
    for (auto field : root) {
      std::string_view key;
      if (auto code = field.unescaped_key().get(key); code) {
        return malformed_answer(request.url, simdjson::error_message(code), body);
      }
      auto found = index_.find(key);
      if (found == index_.end()) continue;  // an id not asked for: skipped unread
      const std::size_t asset = found->second;
      if (seen_[asset]) continue;  // a repeated key: the first one counts
      seen_[asset] = 1;
      simdjson::ondemand::value value;
      if (auto code = field.value().get(value); code) {
        return malformed_answer(request.url, simdjson::error_message(code), body);
      }
      if (auto read = read_asset(asset, std::string(key), value, fetched_at, out); !read.ok()) {
        return read;
      }
    }
    if (!at_document_end(doc)) return malformed_answer(request.url, "trailing bytes after the object", body);
    for (std::size_t asset : request.assets) {
      if (!seen_[asset]) {
        out.faults.push_back({asset, errc::missing_asset,
                              "coingecko has no entry for '" + ids_[asset] +
                                  "' (an id CoinGecko does not know, or delisted)"});
      }
    }
    return core::success();
  }

  // One asset's object; a syntax error is the answer's, a bad figure only the asset's.
  core::Result<void> read_asset(std::size_t asset, const std::string& id,
                                simdjson::ondemand::value value, core::UnixMillis fetched_at,
                                PriceAnswer& out) {
    simdjson::ondemand::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) {
      return make_error(errc::malformed_response, "coingecko's entry for '" + id + "' is not JSON");
    }
    if (type != simdjson::ondemand::json_type::object) {
      const bool is_null = type == simdjson::ondemand::json_type::null;
      out.faults.push_back({asset, is_null ? errc::null_price : errc::invalid_price,
                            "coingecko's entry for '" + id + "' is " +
                                (is_null ? "null" : "not an object")});
      return core::success();
    }
    simdjson::ondemand::object fields;
    if (value.get_object().get(fields) != simdjson::SUCCESS) {
      return make_error(errc::malformed_response, "coingecko's entry for '" + id + "' is not JSON");
    }
    PriceQuote quote;
    quote.asset = asset;
    quote.timestamp = fetched_at;
    std::optional<core::Error> fault;
    bool has_price = false;
    for (auto field : fields) {
      std::string_view key;
      simdjson::ondemand::value figure;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
          field.value().get(figure) != simdjson::SUCCESS) {
        return make_error(errc::malformed_response, "coingecko's entry for '" + id + "' is not JSON");
      }
      if (key == "usd") {
        auto price = read_price(figure, "coingecko '" + id + "' usd");
        if (!price.ok()) {
          fault = std::move(price).error();
        } else {
          quote.price_usd = *price;
          has_price = true;
        }
      } else if (key == "usd_24h_vol") {
        auto volume = read_optional_decimal(figure, "coingecko '" + id + "' usd_24h_vol");
        if (volume.ok()) quote.volume_24h_usd = *volume;  // a bad volume drops the volume only
      } else if (key == "usd_24h_change") {
        auto change = read_optional_signed(figure, "coingecko '" + id + "' usd_24h_change");
        if (change.ok()) quote.change_24h_pct = *change;
      } else if (key == "last_updated_at") {
        std::uint64_t seconds = 0;
        if (figure.get_uint64().get(seconds) == simdjson::SUCCESS &&
            seconds <= static_cast<std::uint64_t>(core::kMaxUnixSeconds)) {
          quote.timestamp = core::UnixMillis{static_cast<std::int64_t>(seconds) * 1000};
        }
      }
    }
    if (fault) {
      out.faults.push_back({asset, static_cast<errc>(fault->code.value()), fault->message});
    } else if (!has_price) {
      out.faults.push_back({asset, errc::null_price, "coingecko's entry for '" + id + "' has no usd price"});
    } else {
      out.quotes.push_back(std::move(quote));
    }
    return core::success();
  }

  std::unordered_map<std::string, std::size_t, CoingeckoIdHash, std::equal_to<>> index_;
  std::vector<std::string> ids_;
  std::vector<PriceRequest> requests_;
  std::vector<std::string> headers_;
  std::vector<char> seen_;
  simdjson::ondemand::parser parser_;
};

}  // namespace

std::unique_ptr<PriceApi> make_coingecko_api(const PriceApiOptions& options,
                                             std::span<const PriceAsset> assets) {
  return std::make_unique<CoingeckoApi>(options, assets);
}

}  // namespace tokenflow::sources
