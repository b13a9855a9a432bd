#include "core/decimal.hpp"

#include <gtest/gtest.h>

#include <random>

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
  EXPECT_EQ(Decimal::from_integer(0).to_string(), "0");
  EXPECT_EQ((Decimal{Uint256(0), 6}.to_string()), "0");
  EXPECT_EQ((Decimal{Uint256(100), 2}.to_string()), "1");
  EXPECT_EQ((Decimal{Uint256(10), 3}.to_string()), "0.01");
  EXPECT_EQ((Decimal{Uint256(1200), 0}.to_string()), "1200");
  EXPECT_EQ((Decimal{Uint256::max(), 77}.to_string()),
            "1.15792089237316195423570985008687907853269984665640564039457584007913129639935");
  EXPECT_EQ((Decimal{Uint256(5), 77}.to_string()), "0." + std::string(76, '0') + "5");
}

TEST(Decimal, WritesThePointAndDropsZerosLikeThePlainDigitsSay) {
  // write() against the obvious string form: digits, a point `scale` from the right, trailing
  // fraction zeros and then a bare point dropped.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    Uint256 m(rng() % 4 == 0 ? rng() % 1000 : rng());
    if (rng() % 3 == 0) m.mul_u64(rng());
    if (rng() % 5 == 0) m.mul_u64(1'000'000);
    const auto scale = static_cast<std::uint8_t>(rng() % 30);
    std::string want = m.to_decimal();
    if (scale > 0) {
      if (want.size() <= scale) want.insert(0, scale + 1 - want.size(), '0');
      want.insert(want.size() - scale, 1, '.');
      while (want.back() == '0') want.pop_back();
      if (want.back() == '.') want.pop_back();
    }
    char buf[Decimal::kMaxTextSize];
    ASSERT_EQ(std::string(buf, Decimal{m, scale}.write(buf)), want) << m.to_decimal() << " / 10^" << int{scale};
  }
}

TEST(Decimal, ReadsAJsonNumbersExponentExactly) {
  EXPECT_EQ(Decimal::parse_json_number("1.23e-05")->to_string(), "0.0000123");
  EXPECT_EQ(Decimal::parse_json_number("1.23e-05")->scale, 7);
  EXPECT_EQ(Decimal::parse_json_number("2E+3")->to_string(), "2000");
  EXPECT_EQ(Decimal::parse_json_number("1.5e1")->to_string(), "15");
  EXPECT_EQ(Decimal::parse_json_number("0.99987")->to_string(), "0.99987");
  for (const char* text : {"1e", "e5", "1e+", "1.e5", "1e5.5", "-1e5", "1e99999"}) {
    EXPECT_FALSE(Decimal::parse_json_number(text).ok()) << text;
  }
  EXPECT_EQ(Decimal::parse_json_number("1e-78").error().code, make_error_code(errc::out_of_range));
  EXPECT_EQ(Decimal::parse_json_number("1e78").error().code, make_error_code(errc::out_of_range));
}

// Found by the price_api_answer fuzzer: text after an 'e' was read as exponent digits whatever
// its length, overflowing an int (undefined behaviour, UBSan's report) before it was refused.
TEST(Decimal, RefusesALongExponentWithoutReadingItAsANumber) {
  for (const char* text : {"1e12345678901234567890", "0.st_updated_at\":1717000000}", "1e-99999999999"}) {
    auto parsed = Decimal::parse_json_number(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, make_error_code(errc::not_a_number)) << text;
  }
}

TEST(SignedDecimal, KeepsTheSignAndNeverANegativeZero) {
  EXPECT_EQ(SignedDecimal::parse("-0.25")->to_string(), "-0.25");
  EXPECT_EQ(SignedDecimal::parse("3.5")->to_string(), "3.5");
  EXPECT_FALSE(SignedDecimal::parse("-0")->negative);
  EXPECT_FALSE(SignedDecimal::parse("--1").ok());
}

}  // namespace
}  // namespace tokenflow::core
