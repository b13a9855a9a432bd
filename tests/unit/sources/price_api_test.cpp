// The three price APIs' answers, in the shapes the real APIs send, parsed exactly: the
// number's or string's text becomes the decimal; null, missing, zero, negative and garbage
// are per-asset faults or a refusal of the whole answer, never a wrong price.
#include "sources/price_api.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tokenflow::sources {
namespace {

std::vector<PriceAsset> test_assets() {
  // Beldex is asked of CoinGecko only by default; here of every API, to test their answers
  // about a pair they do not list.
  auto map = parse_asset_map(R"({"beldex":{"binance":"BDXUSDT","coinbase":"BDX"}})", "test");
  auto resolved = resolve_price_assets({"bitcoin", "usd-coin", "tether", "ethereum", "beldex"},
                                       std::move(map).value(), core::TokenRegistry::builtin());
  return std::move(resolved).value();
}

constexpr core::UnixMillis kFetchedAt{1'717'000'123'456};

struct Parsed {
  core::Result<void> result;
  PriceAnswer answer;
};

Parsed parse(PriceApi& api, std::size_t request, std::string body) {
  Parsed out{core::success(), {}};
  out.result = api.parse(api.requests().at(request), body, kFetchedAt, out.answer);
  return out;
}

const PriceQuote* quote_of(const PriceAnswer& answer, std::size_t asset) {
  for (const auto& q : answer.quotes) {
    if (q.asset == asset) return &q;
  }
  return nullptr;
}

const AssetFault* fault_of(const PriceAnswer& answer, std::size_t asset) {
  for (const auto& f : answer.faults) {
    if (f.asset == asset) return &f;
  }
  return nullptr;
}

// Asset indices of test_assets().
constexpr std::size_t kBitcoin = 0, kUsdc = 1, kTether = 2, kEthereum = 3, kBeldex = 4;

TEST(CoingeckoPrices, BuildsOneRequestForTheIdsWithTheIssuesParameters) {
  const auto assets = test_assets();
  auto api = make_coingecko_api({"http://127.0.0.1:1", ""}, assets);
  ASSERT_EQ(api->requests().size(), 1u);
  EXPECT_EQ(api->requests()[0].url,
            "http://127.0.0.1:1/api/v3/simple/price?ids=bitcoin%2Cusd-coin%2Ctether%2Cethereum%2C"
            "beldex&vs_currencies=usd&include_last_updated_at=true&include_24hr_vol=true"
            "&include_24hr_change=true");
  EXPECT_TRUE(api->headers().empty());
  auto keyed = make_coingecko_api({"https://api.coingecko.com", "CG-key"}, assets);
  ASSERT_EQ(keyed->headers().size(), 1u);
  EXPECT_EQ(keyed->headers()[0], "x-cg-demo-api-key: CG-key");
  auto pro = make_coingecko_api({"https://pro-api.coingecko.com", "CG-key"}, assets);
  EXPECT_EQ(pro->headers()[0], "x-cg-pro-api-key: CG-key");
}

TEST(CoingeckoPrices, SplitsAThousandIdsIntoRequestsOf250) {
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back("coin-" + std::to_string(i));
  auto assets = resolve_price_assets(ids, {}, core::TokenRegistry::builtin());
  ASSERT_TRUE(assets.ok());
  auto api = make_coingecko_api({"http://x", ""}, *assets);
  ASSERT_EQ(api->requests().size(), 4u);
  EXPECT_EQ(api->requests()[3].assets.front(), 750u);
  EXPECT_EQ(api->requests()[3].assets.size(), 250u);
}

TEST(CoingeckoPrices, ReadsPricesExactlyFromTheNumbersText) {
  const auto assets = test_assets();
  auto api = make_coingecko_api({"http://x", ""}, assets);
  // A real answer's shape (2024), with a number no double holds exactly and an exponent.
  auto parsed = parse(*api, 0, R"({
    "bitcoin":{"usd":67187.33918237461,"usd_24h_vol":31539882349.517296,"usd_24h_change":-1.2534781,"last_updated_at":1717000000},
    "usd-coin":{"usd":0.999871,"usd_24h_vol":5826315412.77,"usd_24h_change":0.0127,"last_updated_at":1717000012},
    "tether":{"usd":1.0,"last_updated_at":1717000001},
    "ethereum":{"usd":3.7601e3,"usd_24h_vol":null,"usd_24h_change":null,"last_updated_at":1717000002},
    "beldex":{"usd":7.4e-7,"last_updated_at":1717000003}
  })");
  ASSERT_TRUE(parsed.result.ok()) << parsed.result.error().message;
  EXPECT_TRUE(parsed.answer.faults.empty());
  ASSERT_EQ(parsed.answer.quotes.size(), 5u);
  const auto* btc = quote_of(parsed.answer, kBitcoin);
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->price_usd.to_string(), "67187.33918237461");
  EXPECT_EQ(btc->timestamp.value, 1'717'000'000'000);
  ASSERT_TRUE(btc->volume_24h_usd.has_value());
  EXPECT_EQ(btc->volume_24h_usd->to_string(), "31539882349.517296");
  ASSERT_TRUE(btc->change_24h_pct.has_value());
  EXPECT_EQ(btc->change_24h_pct->to_string(), "-1.2534781");
  EXPECT_EQ(quote_of(parsed.answer, kUsdc)->price_usd.to_string(), "0.999871");
  EXPECT_EQ(quote_of(parsed.answer, kTether)->price_usd.to_string(), "1");
  const auto* eth = quote_of(parsed.answer, kEthereum);
  EXPECT_EQ(eth->price_usd.to_string(), "3760.1");
  EXPECT_FALSE(eth->volume_24h_usd.has_value());
  EXPECT_FALSE(eth->change_24h_pct.has_value());
  EXPECT_EQ(quote_of(parsed.answer, kBeldex)->price_usd.to_string(), "0.00000074");
}

TEST(CoingeckoPrices, NullMissingZeroAndNegativePricesAreFaultsOfTheirAssetOnly) {
  const auto assets = test_assets();
  auto api = make_coingecko_api({"http://x", ""}, assets);
  auto parsed = parse(*api, 0, R"({"bitcoin":{"usd":null,"last_updated_at":1717000000},
    "usd-coin":{"usd":0.9998,"last_updated_at":1717000000},
    "tether":{"usd":0,"last_updated_at":1717000000},
    "ethereum":{"usd":-5,"last_updated_at":1717000000},
    "unasked":{"usd":1}})");
  ASSERT_TRUE(parsed.result.ok()) << parsed.result.error().message;
  ASSERT_EQ(parsed.answer.quotes.size(), 1u);
  EXPECT_EQ(parsed.answer.quotes[0].asset, kUsdc);
  ASSERT_NE(fault_of(parsed.answer, kBitcoin), nullptr);
  EXPECT_EQ(fault_of(parsed.answer, kBitcoin)->reason, errc::null_price);
  EXPECT_EQ(fault_of(parsed.answer, kTether)->reason, errc::invalid_price);
  EXPECT_EQ(fault_of(parsed.answer, kEthereum)->reason, errc::invalid_price);
  ASSERT_NE(fault_of(parsed.answer, kBeldex), nullptr);
  EXPECT_EQ(fault_of(parsed.answer, kBeldex)->reason, errc::missing_asset);
  EXPECT_NE(fault_of(parsed.answer, kBeldex)->detail.find("beldex"), std::string::npos);
}

TEST(CoingeckoPrices, AnEntryWithoutUsdOrNullIsAFaultAndAHugePriceIsRefusedClearly) {
  const auto assets = test_assets();
  auto api = make_coingecko_api({"http://x", ""}, assets);
  auto parsed = parse(*api, 0, R"({"bitcoin":{},"usd-coin":null,"tether":{"usd":1e400},
    "ethereum":{"usd":"3000"},"beldex":{"usd":123456789012345678901234567890.5}})");
  ASSERT_TRUE(parsed.result.ok()) << parsed.result.error().message;
  EXPECT_EQ(fault_of(parsed.answer, kBitcoin)->reason, errc::null_price);
  EXPECT_EQ(fault_of(parsed.answer, kUsdc)->reason, errc::null_price);
  EXPECT_EQ(fault_of(parsed.answer, kTether)->reason, errc::invalid_price);
  // No last_updated_at: stamped with the fetch time.
  EXPECT_EQ(quote_of(parsed.answer, kEthereum)->timestamp.value, kFetchedAt.value);
  EXPECT_EQ(quote_of(parsed.answer, kBeldex)->price_usd.to_string(),
            "123456789012345678901234567890.5");
}

TEST(CoingeckoPrices, GarbageRefusesTheWholeAnswerAndKeepsNothing) {
  const auto assets = test_assets();
  auto api = make_coingecko_api({"http://x", ""}, assets);
  for (const char* body :
       {"<html><body>502 Bad Gateway</body></html>", R"({"bitcoin":{"usd":1,)", "[1,2]", "",
        R"({"bitcoin":{"usd":1}} trailing)", R"({"error_code":429})" "x"}) {
    PriceAnswer answer;
    answer.quotes.push_back({99, {}, {}, {}, {}});
    std::string text = body;
    auto result = api->parse(api->requests()[0], text, kFetchedAt, answer);
    EXPECT_FALSE(result.ok()) << body;
    if (!result.ok()) {
      EXPECT_EQ(result.error().code, make_error_code(errc::malformed_response)) << body;
    }
    EXPECT_EQ(answer.quotes.size(), 1u) << body;
    EXPECT_TRUE(answer.faults.empty()) << body;
  }
}

TEST(BinancePrices, FiltersTheWholeListForTheUsdtPairsAndReadsStringPrices) {
  const auto assets = test_assets();
  auto api = make_binance_api({"http://x", ""}, assets);
  ASSERT_EQ(api->requests().size(), 1u);
  EXPECT_EQ(api->requests()[0].url, "http://x/api/v3/ticker/price");
  // Tether has no USDT pair against itself.
  EXPECT_EQ(api->requests()[0].assets, (std::vector<std::size_t>{kBitcoin, kUsdc, kEthereum, kBeldex}));
  auto parsed = parse(*api, 0, R"([{"symbol":"ETHBTC","price":"0.05400000"},
    {"symbol":"BTCUSDT","price":"67187.34000000"},{"symbol":"ETHUSDT","price":"3760.10000000"},
    {"symbol":"USDCUSDT","price":"1.00010000"},{"symbol":"BNBUSDT","price":"600.1"}])");
  ASSERT_TRUE(parsed.result.ok()) << parsed.result.error().message;
  ASSERT_EQ(parsed.answer.quotes.size(), 3u);
  EXPECT_EQ(quote_of(parsed.answer, kBitcoin)->price_usd.to_string(), "67187.34");
  EXPECT_EQ(quote_of(parsed.answer, kBitcoin)->timestamp.value, kFetchedAt.value);
  EXPECT_EQ(quote_of(parsed.answer, kUsdc)->price_usd.to_string(), "1.0001");
  ASSERT_EQ(parsed.answer.faults.size(), 1u);
  EXPECT_EQ(parsed.answer.faults[0].asset, kBeldex);
  EXPECT_EQ(parsed.answer.faults[0].reason, errc::missing_asset);
  EXPECT_NE(parsed.answer.faults[0].detail.find("BDXUSDT"), std::string::npos);
}

TEST(BinancePrices, NullOrBadPricesAndGarbage) {
  const auto assets = test_assets();
  auto api = make_binance_api({"http://x", ""}, assets);
  auto parsed = parse(*api, 0, R"([{"symbol":"BTCUSDT","price":null},{"symbol":"ETHUSDT","price":"abc"},
    {"symbol":"USDCUSDT"},{"symbol":"BDXUSDT","price":"0.00000000"}])");
  ASSERT_TRUE(parsed.result.ok()) << parsed.result.error().message;
  EXPECT_TRUE(parsed.answer.quotes.empty());
  EXPECT_EQ(fault_of(parsed.answer, kBitcoin)->reason, errc::null_price);
  EXPECT_EQ(fault_of(parsed.answer, kEthereum)->reason, errc::invalid_price);
  EXPECT_EQ(fault_of(parsed.answer, kUsdc)->reason, errc::null_price);
  EXPECT_EQ(fault_of(parsed.answer, kBeldex)->reason, errc::invalid_price);
  EXPECT_FALSE(parse(*api, 0, R"({"code":-1121,"msg":"Invalid symbol."})").result.ok());
  EXPECT_FALSE(parse(*api, 0, R"([{"symbol":"BTCUSDT","price":"1"},)").result.ok());
}

TEST(BinancePrices, APriceBeforeItsSymbolIsReadToo) {
  // JSON does not promise the order of an object's members: a proxy may reorder them.
  const auto assets = test_assets();
  auto api = make_binance_api({"http://x", ""}, assets);
  auto parsed = parse(*api, 0, R"([{"price":"67000.01000000","symbol":"BTCUSDT"},
    {"price":null,"symbol":"ETHUSDT"},{"price":"1.0001","symbol":"XYZUSDT"}])");
  ASSERT_TRUE(parsed.result.ok()) << parsed.result.error().message;
  ASSERT_EQ(parsed.answer.quotes.size(), 1u);
  EXPECT_EQ(parsed.answer.quotes[0].asset, kBitcoin);
  EXPECT_EQ(parsed.answer.quotes[0].price_usd.to_string(), "67000.01");
  ASSERT_NE(fault_of(parsed.answer, kEthereum), nullptr);
  EXPECT_EQ(fault_of(parsed.answer, kEthereum)->reason, errc::null_price);
  EXPECT_NE(fault_of(parsed.answer, kEthereum)->detail.find("ETHUSDT"), std::string::npos)
      << fault_of(parsed.answer, kEthereum)->detail;
}

TEST(CoinbasePrices, OneRequestPerAssetReadingTheAmountString) {
  const auto assets = test_assets();
  auto api = make_coinbase_api({"http://x", ""}, assets);
  ASSERT_EQ(api->requests().size(), 5u);
  EXPECT_EQ(api->requests()[0].url, "http://x/v2/prices/BTC-USD/spot");
  EXPECT_EQ(api->requests()[1].url, "http://x/v2/prices/USDC-USD/spot");
  EXPECT_TRUE(api->not_found_means_missing());
  auto parsed = parse(*api, 0, R"({"data":{"amount":"67187.015","base":"BTC","currency":"USD"}})");
  ASSERT_TRUE(parsed.result.ok()) << parsed.result.error().message;
  ASSERT_EQ(parsed.answer.quotes.size(), 1u);
  EXPECT_EQ(parsed.answer.quotes[0].asset, kBitcoin);
  EXPECT_EQ(parsed.answer.quotes[0].price_usd.to_string(), "67187.015");
  EXPECT_EQ(parsed.answer.quotes[0].timestamp.value, kFetchedAt.value);
}

TEST(CoinbasePrices, NullAnotherCurrencyAndGarbage) {
  const auto assets = test_assets();
  auto api = make_coinbase_api({"http://x", ""}, assets);
  auto null_amount = parse(*api, 0, R"({"data":{"amount":null,"base":"BTC","currency":"USD"}})");
  ASSERT_TRUE(null_amount.result.ok());
  ASSERT_EQ(null_amount.answer.faults.size(), 1u);
  EXPECT_EQ(null_amount.answer.faults[0].reason, errc::null_price);
  auto euro = parse(*api, 0, R"({"data":{"amount":"61000","base":"BTC","currency":"EUR"}})");
  ASSERT_EQ(euro.answer.faults.size(), 1u);
  EXPECT_EQ(euro.answer.faults[0].reason, errc::invalid_price);
  EXPECT_FALSE(parse(*api, 0, R"({"errors":[{"id":"not_found","message":"Invalid currency"}]})")
                   .result.ok());
  EXPECT_FALSE(parse(*api, 0, "<html>").result.ok());
}

}  // namespace
}  // namespace tokenflow::sources
