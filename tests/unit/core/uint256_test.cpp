#include "core/uint256.hpp"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

constexpr const char* kMax = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
constexpr const char* kMaxPlusOne = "115792089237316195423570985008687907853269984665640564039457584007913129639936";

TEST(Uint256, ParsesZeroAndSmallValues) {
  EXPECT_TRUE(Uint256::from_decimal("0")->is_zero());
  EXPECT_EQ(Uint256::from_decimal("1")->low_u64(), 1u);
  EXPECT_EQ(Uint256::from_decimal("18446744073709551615")->low_u64(), ~0ULL);
  EXPECT_FALSE(Uint256::from_decimal("18446744073709551616")->fits_u64());
}

TEST(Uint256, ParsesTheMaximumExactly) {
  auto max = Uint256::from_decimal(kMax);
  ASSERT_TRUE(max.ok()) << max.error().message;
  EXPECT_EQ(*max, Uint256::max());
  EXPECT_EQ(max->to_decimal(), kMax);
}

TEST(Uint256, RejectsTwoToThe256) {
  auto r = Uint256::from_decimal(kMaxPlusOne);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::out_of_range);
  EXPECT_NE(r.error().message.find("above 2^256-1"), std::string::npos);
  EXPECT_FALSE(Uint256::from_decimal(std::string(79, '9')).ok());
  EXPECT_FALSE(Uint256::from_decimal(std::string(78, '9')).ok());  // 10^78-1 > 2^256-1
}

TEST(Uint256, AcceptsLeadingZerosOfAnyLength) {
  EXPECT_EQ(Uint256::from_decimal("000000000000000000000000000000000000000000000000000000000000000000000000000000000001")
                ->low_u64(),
            1u);
  EXPECT_EQ(*Uint256::from_decimal(std::string("000") + kMax), Uint256::max());
  EXPECT_TRUE(Uint256::from_decimal("0000")->is_zero());
}

TEST(Uint256, RejectsSignsWhitespaceAndNonDigits) {
  for (const char* bad : {"", "-5", "+5", " 5", "5 ", "5\n", "1e18", "1.5", "0x10", "12a", "١"}) {
    auto r = Uint256::from_decimal(bad);
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(r.error().code, errc::not_a_number) << bad;
  }
  EXPECT_NE(Uint256::from_decimal("-5").error().message.find("'-5'"), std::string::npos);
}

TEST(Uint256, RoundTripsEveryPowerOfTen) {
  std::string digits = "1";
  for (int i = 0; i < 77; ++i) {
    auto v = Uint256::from_decimal(digits);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->to_decimal(), digits);
    digits += "0";
  }
}

TEST(Uint256, RoundTripsRealChainValues) {
  for (const char* v : {"26369360912168932", "13094363841833760800869", "49730618",
                        "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                        "100000000000000000000000000000000000000000000000000000000000000000000000000"}) {
    EXPECT_EQ(Uint256::from_decimal(v)->to_decimal(), v);
  }
}

// Digit by digit with the checked arithmetic: slow, obviously right, the reference for the
// 19-digit chunks of from_decimal.
bool reference_from_decimal(const std::string& text, Uint256& out) {
  Uint256 v;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    if (!v.try_mul_u64(10) || !v.try_add(Uint256(static_cast<std::uint64_t>(c - '0'))))
      return false;
  }
  out = v;
  return !text.empty();
}

TEST(Uint256, ChunkedParseAgreesWithDigitByDigitAtEveryLength) {
  std::mt19937_64 rng(7);
  for (std::size_t length = 1; length <= 80; ++length) {
    for (int trial = 0; trial < 20; ++trial) {
      std::string text(length, '0');
      for (auto& c : text) c = static_cast<char>('0' + rng() % 10);
      if (trial == 0) text.assign(length, '9');  // the largest value of each length
      Uint256 expected;
      const bool fits = reference_from_decimal(text, expected);
      Uint256 got(12345);
      ASSERT_EQ(Uint256::try_from_decimal(text, got), fits) << text;
      auto checked = Uint256::from_decimal(text);
      ASSERT_EQ(checked.ok(), fits) << text;
      if (fits) {
        EXPECT_EQ(got, expected) << text;
        EXPECT_EQ(*checked, expected) << text;
      } else {
        EXPECT_EQ(got, Uint256(12345)) << "a failed try_from_decimal must leave the output alone";
        EXPECT_EQ(checked.error().code, errc::out_of_range) << text;
      }
    }
  }
}

TEST(Uint256, TryFromDecimalRejectsWhatFromDecimalRejects) {
  for (const char* bad :
       {"", "-5", "+5", " 5", "5 ", "1e18", "1.5", "0x10", "12a", "١", kMaxPlusOne}) {
    Uint256 v(3);
    EXPECT_FALSE(Uint256::try_from_decimal(bad, v)) << bad;
    EXPECT_EQ(v, Uint256(3));
  }
  Uint256 v;
  ASSERT_TRUE(Uint256::try_from_decimal(kMax, v));
  EXPECT_EQ(v, Uint256::max());
  ASSERT_TRUE(Uint256::try_from_decimal("0000", v));
  EXPECT_TRUE(v.is_zero());
}

TEST(Uint256, ANonDigitOutranksTheLength) {
  // Too many digits and a letter: the reason is the letter, wherever it stands.
  auto r = Uint256::from_decimal(std::string(79, '9') + "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::not_a_number);
  r = Uint256::from_decimal("x" + std::string(79, '9'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::not_a_number);
  r = Uint256::from_decimal(std::string(60, '9') + "x" + std::string(10, '9'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::not_a_number);
}

TEST(Uint256, CheckedAdditionComesInPairs) {
  Uint256 a = Uint256::max();
  EXPECT_FALSE(a.try_add(Uint256(1)));
  EXPECT_EQ(a, Uint256::max()) << "a failed try_add must leave the value unchanged";
  EXPECT_THROW(a.add(Uint256(1)), std::overflow_error);
  Uint256 b(~0ULL);
  ASSERT_TRUE(b.try_add(Uint256(1)));
  EXPECT_EQ(b.to_decimal(), "18446744073709551616");
}

TEST(Uint256, CheckedMultiplicationAndDivision) {
  Uint256 v(1);
  for (int i = 0; i < 77; ++i) ASSERT_TRUE(v.try_mul_u64(10));
  EXPECT_FALSE(v.try_mul_u64(10));
  EXPECT_THROW(v.mul_u64(10), std::overflow_error);
  EXPECT_EQ(v.divmod_u64(1000), 0u);
  EXPECT_EQ(v.to_decimal(), "1" + std::string(74, '0'));
  Uint256 w(1234567);
  EXPECT_EQ(w.divmod_u64(1000), 567u);
  EXPECT_EQ(w.low_u64(), 1234u);
}

TEST(Uint256, OrdersNumerically) {
  EXPECT_LT(*Uint256::from_decimal("18446744073709551616"), *Uint256::from_decimal("18446744073709551617"));
  EXPECT_GT(*Uint256::from_decimal("18446744073709551616"), Uint256(~0ULL));
  EXPECT_EQ(*Uint256::from_decimal("007"), Uint256(7));
}

}  // namespace
}  // namespace tokenflow::core
