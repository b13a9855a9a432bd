#include "codec/token_registry_file.hpp"

#include <gtest/gtest.h>

namespace tokenflow::codec {
namespace {

TEST(TokenRegistry, BuiltinKnowsTheMajorStablecoinsOnMainnet) {
  auto registry = core::TokenRegistry::builtin();
  const auto* usdc = registry.find(*core::Address::parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"));
  ASSERT_NE(usdc, nullptr);
  EXPECT_EQ(usdc->symbol, "USDC");
  EXPECT_EQ(usdc->decimals, 6);
  EXPECT_EQ(usdc->peg_usd_micros, 1'000'000u);
  const auto* dai = registry.find(*core::Address::parse("0x6b175474e89094c44da98b954eedeac495271d0f"));
  ASSERT_NE(dai, nullptr);
  EXPECT_EQ(dai->decimals, 18);
  EXPECT_EQ(registry.find(usdc->contract, 137), nullptr) << "mainnet USDC is not on Polygon";
}

TEST(TokenRegistry, FileAddsAndOverridesTokens) {
  auto registry = core::TokenRegistry::builtin();
  auto ok = parse_token_registry(
      R"({"tokens":[{"symbol":"XUSD","address":"0x1111111111111111111111111111111111111111","decimals":6,"peg_usd":"0.998"},
                    {"symbol":"USDC","address":"0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48","decimals":6,"peg_usd":1,"name":"Circle"}]})",
      "test.json", registry);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  const auto* x = registry.find(*core::Address::parse("0x1111111111111111111111111111111111111111"));
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->peg_usd_micros, 998'000u);
  EXPECT_EQ(registry.find(*core::Address::parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"))->name,
            "Circle");
}

TEST(TokenRegistry, BadFilesSayWhatIsWrong) {
  core::TokenRegistry registry;
  auto r = parse_token_registry(R"([{"symbol":"X","address":"0x12","decimals":6}])", "f.json", registry);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("f.json: token #1"), std::string::npos) << r.error().message;
  EXPECT_FALSE(parse_token_registry("{", "f.json", registry).ok());
  auto empty = parse_token_registry(std::string_view(), "f.json", registry);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message.rfind("f.json is empty", 0), 0u) << empty.error().message;
  EXPECT_FALSE(parse_token_registry(R"({"tokens":[{"symbol":"X","address":"0x1111111111111111111111111111111111111111"}]})",
                                    "f.json", registry).ok());
  EXPECT_FALSE(load_token_registry_file("/nonexistent/registry.json", registry).ok());
}

TEST(UsdMicros, ParsesExactly) {
  EXPECT_EQ(*parse_usd_micros("1"), 1'000'000u);
  EXPECT_EQ(*parse_usd_micros("0.999999"), 999'999u);
  EXPECT_EQ(*parse_usd_micros("1000000.5"), 1'000'000'500'000u);
  EXPECT_FALSE(parse_usd_micros("1.0000001").ok());
  EXPECT_FALSE(parse_usd_micros("-1").ok());
  EXPECT_FALSE(parse_usd_micros("1e3").ok());
}

}  // namespace
}  // namespace tokenflow::codec

namespace tokenflow::codec {
namespace {

TEST(TokenRegistry, FileSetsPerTokenAlertThresholds) {
  core::TokenRegistry registry;
  auto loaded = parse_token_registry(
      R"({"tokens":[{"symbol":"USDC","address":"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
          "decimals":6,"peg_usd":"1","large_transfer_usd":"500000","critical_transfer_usd":5000000,
          "min_tokens":"10000.5"}]})",
      "test.json", registry);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const auto& usdc = registry.tokens().front();
  EXPECT_EQ(usdc.large_transfer_usd->to_string(), "500000");
  EXPECT_EQ(usdc.critical_transfer_usd->to_string(), "5000000");
  EXPECT_EQ(usdc.min_tokens->to_string(), "10000.5");
  core::TokenRegistry other;
  auto bad = parse_token_registry(
      R"([{"symbol":"X","address":"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48","decimals":6,
          "large_transfer_usd":"1e6"}])",
      "bad.json", other);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("large_transfer_usd"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace tokenflow::codec
