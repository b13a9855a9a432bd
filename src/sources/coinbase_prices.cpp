// Coinbase's /v2/prices/{BASE}-USD/spot: {"data":{"amount":"67000.015","base":"BTC",
// "currency":"USD"}}, one request per asset, no timestamp (stamped with the fetch time). An
// unknown product answers 404 {"errors":[{"id":"not_found",...}]}: that asset is missing,
// the API is fine.
#include "sources/price_api.hpp"
#include "sources/price_json.hpp"

namespace tokenflow::sources {
namespace {

class CoinbaseApi final : public PriceApi {
 public:
  CoinbaseApi(const PriceApiOptions& options, std::span<const PriceAsset> assets)
      : bases_(assets.size()) {
    for (std::size_t i = 0; i < assets.size(); ++i) {
      if (assets[i].coinbase_base.empty()) continue;
      requests_.push_back(
          {options.base_url + "/v2/prices/" + assets[i].coinbase_base + "-USD/spot", {i}});
      bases_[i] = assets[i].coinbase_base;
    }
  }

  PriceApiKind kind() const noexcept override { return PriceApiKind::coinbase; }
  const std::vector<PriceRequest>& requests() const noexcept override { return requests_; }
  bool not_found_means_missing() const noexcept override { return true; }

 private:
  core::Result<void> parse_answer(const PriceRequest& request, std::string& body,
                                  core::UnixMillis fetched_at, PriceAnswer& out) override {
    const std::size_t asset = request.assets.front();
    const std::string& base = bases_.at(asset);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object root;
    if (auto code = parser_.iterate(padded_view(body)).get(doc); code) {
      return malformed_answer(request.url, simdjson::error_message(code), body);
    }
    if (auto code = doc.get_object().get(root); code) {
      return malformed_answer(request.url, "not an object", body);
    }
    std::optional<core::Result<core::Decimal>> amount;
    std::string_view currency;
    std::string_view answered_base;
    bool has_data = false;
    for (auto member : root) {
      std::string_view name;
      simdjson::ondemand::object data;
      if (member.unescaped_key().get(name) != simdjson::SUCCESS) {
        return malformed_answer(request.url, "not valid JSON", body);
      }
      if (name != "data") continue;
      if (member.value().get_object().get(data) != simdjson::SUCCESS) {
        return malformed_answer(request.url, "\"data\" is not an object", body);
      }
      has_data = true;
      for (auto field : data) {
        std::string_view key;
        simdjson::ondemand::value value;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS ||
            field.value().get(value) != simdjson::SUCCESS) {
          return malformed_answer(request.url, "\"data\" is not valid JSON", body);
        }
        if (key == "amount") {
          amount = read_price(value, "coinbase " + base + "-USD amount");
        } else if (key == "currency") {
          // Views into the parser's string buffer: valid until the next answer is parsed.
          if (value.get_string().get(currency) != simdjson::SUCCESS) currency = {};
        } else if (key == "base") {
          if (value.get_string().get(answered_base) != simdjson::SUCCESS) answered_base = {};
        }
      }
    }
    if (!has_data) return malformed_answer(request.url, "no \"data\" object", body);
    if (!at_document_end(doc)) return malformed_answer(request.url, "trailing bytes after the object", body);
    if (!amount) {
      out.faults.push_back({asset, errc::null_price, "coinbase " + base + "-USD has no amount"});
    } else if (!amount->ok()) {
      out.faults.push_back(
          {asset, static_cast<errc>(amount->error().code.value()), amount->error().message});
    } else if (currency != "USD" || (!answered_base.empty() && answered_base != base)) {
      out.faults.push_back({asset, errc::invalid_price,
                            "coinbase answered for " + std::string(answered_base) + "-" +
                                std::string(currency) + ", not " + base + "-USD"});
    } else {
      out.quotes.push_back({asset, **amount, fetched_at, std::nullopt, std::nullopt});
    }
    return core::success();
  }

  std::vector<PriceRequest> requests_;
  std::vector<std::string> bases_;  // by asset index; empty: not quoted
  simdjson::ondemand::parser parser_;
};

}  // namespace

std::unique_ptr<PriceApi> make_coinbase_api(const PriceApiOptions& options,
                                            std::span<const PriceAsset> assets) {
  return std::make_unique<CoinbaseApi>(options, assets);
}

}  // namespace tokenflow::sources
