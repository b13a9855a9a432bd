#include "sources/price_walk.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "codec/price_tick_decoder.hpp"
#include "codec/price_tick_encoder.hpp"
#include "core/asset_ids.hpp"

namespace tokenflow::sources {
namespace {

double as_double(const core::Decimal& d) { return std::strtod(d.to_string().c_str(), nullptr); }

TEST(PriceWalk, TicksEveryAssetFromEverySourceWithNewIdsThatDecodeBack) {
  auto registry = core::TokenRegistry::builtin();
  PriceWalk walk(registry, PriceWalkOptions{});
  ASSERT_GT(walk.assets(), 0u);
  const std::size_t sources = std::size(kSimulatedPriceSources);
  codec::PriceTickDecoder decoder;
  std::set<std::string> ids;
  std::map<std::pair<std::string, std::string>, std::int64_t> last_time;
  core::PriceTick tick;
  const std::size_t rounds = 50;
  for (std::size_t i = 0; i < rounds * walk.assets() * sources; ++i) {
    walk.next(tick);
    ASSERT_TRUE(ids.insert(tick.id).second) << "duplicate id " << tick.id;
    ASSERT_EQ(tick.id, core::price_tick_id(tick.source, tick.asset, tick.timestamp));
    ASSERT_EQ(tick.asset, core::asset_id_of_symbol(tick.symbol));
    auto key = std::make_pair(tick.asset, tick.source);
    auto ms = tick.timestamp.value;
    auto it = last_time.find(key);
    if (it != last_time.end()) {
      ASSERT_GT(ms, it->second) << tick.id;
    }
    last_time[key] = ms;
    ASSERT_GT(as_double(tick.price_usd), 0.0) << tick.id;
    auto back = decoder.decode(codec::encode_price_tick(tick));
    ASSERT_TRUE(back.ok()) << codec::encode_price_tick(tick);
    EXPECT_EQ(back.value().price_usd.to_string(), tick.price_usd.to_string());
  }
  // Every asset quoted by every source.
  EXPECT_EQ(last_time.size(), walk.assets() * sources);
}

TEST(PriceWalk, SourcesDisagreeSlightlyAndStablecoinsStayNearThePeg) {
  auto registry = core::TokenRegistry::builtin();
  PriceWalkOptions options;
  options.depeg_chance = 0;  // the peg only: depegs are the next test's
  PriceWalk walk(registry, options);
  const std::size_t sources = std::size(kSimulatedPriceSources);
  core::PriceTick tick;
  std::size_t disagreements = 0, usdc_ticks = 0;
  for (std::size_t round = 0; round < 200; ++round) {
    std::map<std::string, std::set<std::string>> quotes;  // asset -> distinct prices
    for (std::size_t i = 0; i < walk.assets() * sources; ++i) {
      walk.next(tick);
      quotes[tick.asset].insert(tick.price_usd.to_string());
      if (tick.symbol == "USDC") {
        ++usdc_ticks;
        EXPECT_NEAR(as_double(tick.price_usd), 1.0, 0.01) << tick.id;
      }
    }
    for (const auto& [asset, prices] : quotes) disagreements += prices.size() > 1;
  }
  EXPECT_EQ(usdc_ticks, 200 * sources);
  // Sources quote around one price, not one identical price.
  EXPECT_GT(disagreements, 100u);
}

TEST(PriceWalk, AStablecoinDepegsNowAndThenAndComesBack) {
  auto registry = core::TokenRegistry::builtin();
  PriceWalkOptions options;
  options.depeg_chance = 0.01;
  PriceWalk walk(registry, options);
  const std::size_t per_round = walk.assets() * std::size(kSimulatedPriceSources);
  core::PriceTick tick;
  // Per pegged asset (from the first source): off its peg by more than 0.4%, then back
  // within 0.2% of it.
  std::map<std::string, bool> off_peg;
  std::size_t depegs = 0, recoveries = 0, rounds_depegged = 0;
  for (std::size_t round = 0; round < 3'000; ++round) {
    for (std::size_t i = 0; i < per_round; ++i) {
      walk.next(tick);
      if (tick.source != kSimulatedPriceSources[0]) continue;
      if (tick.symbol != "USDC" && tick.symbol != "USDT" && tick.symbol != "DAI") continue;
      const double distance = std::abs(as_double(tick.price_usd) - 1.0);
      bool& off = off_peg[tick.symbol];
      if (!off && distance > 0.004) {
        off = true;
        ++depegs;
      } else if (off && distance < 0.002) {
        off = false;
        ++recoveries;
      }
    }
    rounds_depegged += walk.depegged() > 0;
  }
  EXPECT_GT(depegs, 0u) << "no stablecoin left its peg by half a percent";
  EXPECT_GT(recoveries, 0u) << "a depeg never recovered";
  // Now and then, not always.
  EXPECT_GT(rounds_depegged, 0u);
  EXPECT_LT(rounds_depegged, 3'000u);
}

TEST(PriceWalk, SameSeedSameTicks) {
  auto registry = core::TokenRegistry::builtin();
  PriceWalk a(registry, PriceWalkOptions{}), b(registry, PriceWalkOptions{});
  core::PriceTick ta, tb;
  for (int i = 0; i < 1'000; ++i) {
    a.next(ta);
    b.next(tb);
    ASSERT_EQ(codec::encode_price_tick(ta), codec::encode_price_tick(tb));
  }
}

TEST(DecimalOf, RoundsHalfUpToTheScale) {
  EXPECT_EQ(decimal_of(1.00006, 4).to_string(), "1.0001");
  EXPECT_EQ(decimal_of(0.99994, 4).to_string(), "0.9999");
  EXPECT_EQ(decimal_of(65432.1, 2).to_string(), "65432.1");  // Decimal prints no trailing zeros
  EXPECT_EQ(decimal_of(0, 2).to_string(), "0");
  EXPECT_EQ(decimal_of(2.5e-7, 8).to_string(), "0.00000025");
}

}  // namespace
}  // namespace tokenflow::sources
