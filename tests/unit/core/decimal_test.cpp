#include "core/decimal.hpp"

#include <gtest/gtest.h>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

TEST(Decimal, ParsesIntegersAndFractionsExactly) {
  auto whole = Decimal::parse("1000000");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->mantissa, Uint256(1'000'000));
  EXPECT_EQ(whole->scale, 0);
  auto fraction = Decimal::parse("999999.999999");
  ASSERT_TRUE(fraction.ok());
  EXPECT_EQ(fraction->mantissa, Uint256(999'999'999'999ULL));
  EXPECT_EQ(fraction->scale, 6);
  EXPECT_EQ(Decimal::parse("0.000000000000000001")->scale, 18);
}

TEST(Decimal, RefusesWhatIsNotAPlainDecimal) {
  for (const char* text : {"", "-1", "+1", "1e6", ".5", "5.", "1,000", " 1", "0x10", "1.2.3"}) {
    auto parsed = Decimal::parse(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, make_error_code(errc::not_a_number)) << text;
  }
  EXPECT_EQ(Decimal::parse("1" + std::string(80, '0')).error().code,
            make_error_code(errc::out_of_range));
  EXPECT_EQ(Decimal::parse("0." + std::string(78, '1')).error().code,
            make_error_code(errc::out_of_range));
}

TEST(Decimal, PrintsItsShortestExactForm) {
  EXPECT_EQ(Decimal::parse("1.50")->to_string(), "1.5");
  EXPECT_EQ(Decimal::parse("2.000")->to_string(), "2");
  EXPECT_EQ(Decimal::parse("0.000001")->to_string(), "0.000001");
  EXPECT_EQ(Decimal::from_integer(42).to_string(), "42");
}

}  // namespace
}  // namespace tokenflow::core
