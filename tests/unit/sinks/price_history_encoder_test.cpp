#include "sinks/price_history_encoder.hpp"

#include <gtest/gtest.h>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

core::PriceTick tick_of(std::string asset, std::string price) {
  core::PriceTick tick;
  tick.asset = std::move(asset);
  tick.source = "coingecko";
  tick.symbol = "USDC";
  tick.price_usd = *core::Decimal::parse(price);
  tick.timestamp = core::UnixMillis{1764763200123};
  tick.id = core::price_tick_id(tick.source, tick.asset, tick.timestamp);
  return tick;
}

TEST(PriceHistoryEncoder, WritesEveryColumnExactlyWithNullsForWhatTheSourceDidNotSay) {
  PriceHistoryEncoder encoder(CopyFormat::binary);  // always text
  EXPECT_EQ(encoder.copy_options(), " (FORMAT text)");
  auto full = tick_of("usd-coin", "0.999862000");
  full.volume_24h_usd = *core::Decimal::parse("5123456789.12");
  full.change_24h_pct = *core::SignedDecimal::parse("-0.0123");
  full.liquidity_usd = *core::Decimal::parse("1000000");
  auto bare = tick_of("weird\tasset\\", "0.00000001");
  bare.symbol.clear();
  encoder.begin();
  ASSERT_TRUE(encoder.append(full).ok());
  ASSERT_TRUE(encoder.append(bare).ok());
  encoder.finish();
  EXPECT_EQ(encoder.pending(),
            "usd-coin\tcoingecko\t2025-12-03T12:00:00.123Z\t0.999862\tUSDC\t5123456789.12\t-0.0123"
            "\t1000000\n"
            "weird\\tasset\\\\\tcoingecko\t2025-12-03T12:00:00.123Z\t0.00000001\t\\N\t\\N\t\\N\t\\N\n");
  encoder.consume();
  EXPECT_EQ(encoder.pending(), "");
}

TEST(PriceHistoryEncoder, RefusesWhatPostgresCannotStoreNamingTheTick) {
  PriceHistoryEncoder encoder(CopyFormat::text);
  encoder.begin();
  auto nul = tick_of(std::string("usd\0coin", 8), "1");
  auto refused = encoder.append(nul);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::rejected);
  EXPECT_NE(refused.error().message.find("NUL"), std::string::npos);
  auto late = tick_of("usd-coin", "1");
  late.timestamp = core::UnixMillis{253402300800000};  // year 10000
  EXPECT_FALSE(encoder.append(late).ok());
  EXPECT_EQ(encoder.pending(), "");
}

}  // namespace
}  // namespace tokenflow::sinks
