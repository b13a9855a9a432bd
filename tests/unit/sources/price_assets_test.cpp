#include "sources/price_assets.hpp"

#include <gtest/gtest.h>

#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

TEST(PriceAssets, TheRegistryTableGivesSymbolsPairsAndContracts) {
  auto assets = resolve_price_assets({"beldex", "usd-coin", "tether", "ethereum", "usd-coin"}, {},
                                     core::TokenRegistry::builtin());
  ASSERT_TRUE(assets.ok()) << assets.error().message;
  ASSERT_EQ(assets->size(), 4u);  // the repeated id once
  const auto& usdc = (*assets)[1];
  EXPECT_EQ(usdc.symbol, "USDC");
  EXPECT_EQ(usdc.binance_pair, "USDCUSDT");
  EXPECT_EQ(usdc.coinbase_base, "USDC");
  ASSERT_TRUE(usdc.contract_address.has_value());
  EXPECT_EQ(usdc.contract_address->to_string(), "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  EXPECT_EQ(usdc.chain_id, 1u);
  const auto& tether = (*assets)[2];
  EXPECT_EQ(tether.symbol, "USDT");
  EXPECT_TRUE(tether.binance_pair.empty());  // no USDTUSDT
  const auto& eth = (*assets)[3];
  EXPECT_EQ(eth.symbol, "ETH");
  EXPECT_EQ(eth.binance_pair, "ETHUSDT");
  EXPECT_FALSE(eth.contract_address.has_value());  // native: no contract
  // Beldex trades on neither venue: asked of CoinGecko only, unless a mapping file says so.
  const auto& beldex = (*assets)[0];
  EXPECT_EQ(beldex.symbol, "BDX");
  EXPECT_TRUE(beldex.binance_pair.empty());
  EXPECT_TRUE(beldex.coinbase_base.empty());
}

TEST(PriceAssets, SymbolsAndNonIdsAreRefusedWithTheIdMeant) {
  auto usdc = resolve_price_assets({"USDC"}, {}, core::TokenRegistry::builtin());
  ASSERT_FALSE(usdc.ok());
  EXPECT_NE(usdc.error().message.find("did you mean 'usd-coin'?"), std::string::npos)
      << usdc.error().message;
  for (const char* bad : {"Bitcoin", "usd coin", "usd-coin&ids=ethereum"}) {
    auto refused = resolve_price_assets({bad}, {}, core::TokenRegistry::builtin());
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find("CoinGecko ids"), std::string::npos)
        << refused.error().message;
  }
  EXPECT_TRUE(check_coingecko_id("wrapped-bitcoin").ok());
  EXPECT_TRUE(check_coingecko_id("1inch").ok());
}

TEST(PriceAssets, AMappingFileAddsAndOverrides) {
  auto map = parse_asset_map(R"({"my-token":{"symbol":"MYT","binance":"mytbusd","coinbase":"",
      "chain_id":137,"contract_address":"0x3c499c542cef5e3811e1192ce70d8cc03d5c3359"},
      "beldex":{"coinbase":"BDX"}})",
                             "map.json");
  ASSERT_TRUE(map.ok()) << map.error().message;
  auto assets = resolve_price_assets({"my-token", "beldex", "unknown-coin"}, *map,
                                     core::TokenRegistry::builtin());
  ASSERT_TRUE(assets.ok());
  const auto& mine = (*assets)[0];
  EXPECT_EQ(mine.symbol, "MYT");
  EXPECT_EQ(mine.binance_pair, "MYTBUSD");
  EXPECT_TRUE(mine.coinbase_base.empty());
  EXPECT_EQ(mine.chain_id, 137u);
  ASSERT_TRUE(mine.contract_address.has_value());
  EXPECT_TRUE((*assets)[1].binance_pair.empty());
  EXPECT_EQ((*assets)[1].coinbase_base, "BDX");
  // Unknown everywhere: CoinGecko only.
  EXPECT_TRUE((*assets)[2].symbol.empty());
  EXPECT_TRUE((*assets)[2].binance_pair.empty());
  EXPECT_TRUE((*assets)[2].coinbase_base.empty());
}

TEST(PriceAssets, ABadMappingFileIsRefusedNamingTheField) {
  for (const char* text : {"[1]", R"({"x":1})", R"({"x":{"chain_id":"one"}})",
                           R"({"x":{"contract_address":"0xnope"}})", R"({"x":{"colour":"red"}})"}) {
    auto map = parse_asset_map(text, "map.json");
    EXPECT_FALSE(map.ok()) << text;
    if (!map.ok()) {
      EXPECT_NE(map.error().message.find("map.json"), std::string::npos) << map.error().message;
    }
  }
  EXPECT_FALSE(resolve_price_assets({""}, {}, core::TokenRegistry::builtin()).ok());
}

}  // namespace
}  // namespace tokenflow::sources
