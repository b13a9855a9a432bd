#include "processors/alerts/unit_conversion.hpp"

#include <gtest/gtest.h>

namespace tokenflow::processors {
namespace {

core::Decimal dec(const char* text) { return *core::Decimal::parse(text); }
core::Uint256 u(const char* text) { return *core::Uint256::from_decimal(text); }

TEST(UnitConversion, UsdThresholdInBaseUnitsAtAOneDollarPeg) {
  // USDC: 6 decimals; 1,000,000 USD = 1,000,000.000000 USDC = 10^12 base units.
  EXPECT_EQ(base_units_reaching_usd(dec("1000000"), dec("1"), 6), u("1000000000000"));
  // DAI: 18 decimals.
  EXPECT_EQ(base_units_reaching_usd(dec("1000000"), dec("1.000000"), 18),
            u("1000000000000000000000000"));
}

TEST(UnitConversion, RoundsTheThresholdUpSoNoSmallerAmountReachesIt) {
  // At 0.999 USD, 1,000,000 USD needs 1,001,001.001001001... USDC: ceil in base units.
  auto threshold = base_units_reaching_usd(dec("1000000"), dec("0.999"), 6);
  ASSERT_TRUE(threshold);
  EXPECT_EQ(*threshold, u("1001001001002"));
  // 1001001.001001 USDC is worth 999,999.999999999 USD (under); one more base unit is over.
  EXPECT_EQ(usd_value_text(u("1001001001001"), 6, dec("0.999"), 9), "999999.999999999");
  EXPECT_EQ(usd_value_text(u("1001001001002"), 6, dec("0.999"), 9), "1000000.000000998");
}

TEST(UnitConversion, ZeroPriceOrAnAstronomicThresholdIsUnreachable) {
  EXPECT_FALSE(base_units_reaching_usd(dec("1"), dec("0"), 6));
  const std::string huge = "1" + std::string(70, '0');  // 10^70 USD: 10^94 base units
  EXPECT_FALSE(base_units_reaching_usd(dec(huge.c_str()), dec("0.000001"), 18));
  EXPECT_EQ(base_units_reaching_usd(dec("0"), dec("0"), 6), core::Uint256{});
}

TEST(UnitConversion, TokenUnitsThreshold) {
  EXPECT_EQ(base_units_reaching_tokens(dec("10000"), 6), u("10000000000"));
  EXPECT_EQ(base_units_reaching_tokens(dec("0.5"), 18), u("500000000000000000"));
  EXPECT_EQ(base_units_reaching_tokens(dec("0.0000001"), 6), u("1"));  // rounds up
}

TEST(UnitConversion, TextForPeople) {
  EXPECT_EQ(token_units_text(u("1000000000000"), 6), "1000000");
  EXPECT_EQ(token_units_text(u("999999999999"), 6), "999999.999999");
  EXPECT_EQ(token_units_text(u("5"), 18), "0.000000000000000005");
  EXPECT_EQ(with_thousands_separators("1234567.891", 2), "1,234,567.89");
  EXPECT_EQ(with_thousands_separators("999", 2), "999.00");
  EXPECT_EQ(with_thousands_separators("1000", 0), "1,000");
}

}  // namespace
}  // namespace tokenflow::processors
