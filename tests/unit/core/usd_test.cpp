#include "core/usd.hpp"

#include <gtest/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <random>

#include "core/duration.hpp"

namespace tokenflow::core {
namespace {

UsdMicros parse_ok(std::string_view text, UsdParse expected = UsdParse::ok) {
  UsdMicros v;
  EXPECT_EQ(parse_usd(text, v), expected) << text;
  return v;
}

TEST(Usd, ParsesExactlyAndRoundsHalfToEven) {
  EXPECT_EQ(parse_ok("1234.56").value, 1'234'560'000u);
  EXPECT_EQ(parse_ok("0.000001").value, 1u);
  EXPECT_EQ(parse_ok("7").value, 7'000'000u);
  EXPECT_EQ(parse_ok("0.0000005", UsdParse::rounded).value, 0u);   // half to even: 0
  EXPECT_EQ(parse_ok("0.0000015", UsdParse::rounded).value, 2u);   // half to even: 2
  EXPECT_EQ(parse_ok("0.00000051", UsdParse::rounded).value, 1u);  // above half
  EXPECT_EQ(parse_ok("0.9999999", UsdParse::rounded).value, 1'000'000u);
  EXPECT_EQ(parse_ok("1000000000000").value, kMaxEventUsdMicros);
  UsdMicros v;
  for (auto bad : {"", "-1", "1e5", "1.", "abc", "1.2.3", " 1", ".", ".5"}) {
    EXPECT_EQ(parse_usd(bad, v), UsdParse::invalid) << bad;
  }
  EXPECT_EQ(parse_usd("1000000000000.000001", v), UsdParse::out_of_range);
  EXPECT_EQ(parse_usd("99999999999999999999999", v), UsdParse::out_of_range);
}

UsdMicros of_units(const char* value, std::uint8_t decimals, std::uint64_t price_micros,
                   UsdParse expected = UsdParse::ok) {
  UsdMicros v;
  EXPECT_EQ(usd_of_base_units(*Uint256::from_decimal(value), decimals, UsdMicros{price_micros}, v),
            expected)
      << value << " at " << int{decimals} << " decimals, price " << price_micros;
  return v;
}

TEST(Usd, BaseUnitsAtAPegConvertExactly) {
  EXPECT_EQ(of_units("1234567", 6, 1'000'000).value, 1'234'567u);  // 1.234567 USDC
  EXPECT_EQ(of_units("1000000000000000000", 18, 1'000'000).value, 1'000'000u);  // 1 DAI
  EXPECT_EQ(of_units("1000000", 6, 999'800).value, 999'800u);  // 1 token at 0.9998
  EXPECT_EQ(of_units("0", 18, 1'000'000).value, 0u);
  EXPECT_EQ(of_units("123456789", 6, 0).value, 0u);  // a zero price
  EXPECT_EQ(of_units("7", 0, 2'500'000).value, 17'500'000u);  // no decimals at all
  // 10^12 USD is the most one event may carry.
  EXPECT_EQ(of_units("1000000000000000000", 6, 1'000'000).value, kMaxEventUsdMicros);
  of_units("1000000000000000001", 6, 1'000'000, UsdParse::out_of_range);
  // value * price beyond 256 bits.
  UsdMicros v;
  EXPECT_EQ(usd_of_base_units(Uint256::max(), 18, UsdMicros{2}, v), UsdParse::out_of_range);
}

TEST(Usd, BaseUnitsRoundHalfToEvenToTheMicroDollar) {
  EXPECT_EQ(of_units("1", 18, 1'000'000, UsdParse::rounded).value, 0u);              // 1e-18 USD
  EXPECT_EQ(of_units("500000000000", 18, 1'000'000, UsdParse::rounded).value, 0u);   // 0.5: even
  EXPECT_EQ(of_units("1500000000000", 18, 1'000'000, UsdParse::rounded).value, 2u);  // 1.5: even
  EXPECT_EQ(of_units("2500000000000", 18, 1'000'000, UsdParse::rounded).value, 2u);  // 2.5: even
  EXPECT_EQ(of_units("500000000001", 18, 1'000'000, UsdParse::rounded).value, 1u);   // above half
  EXPECT_EQ(of_units("3", 6, 999'800, UsdParse::rounded).value, 3u);  // 2.9994 micro-USD
  // Many dropped digits (a token with 77 decimals) still decide exactly.
  const std::string half_micro = "5" + std::string(70, '0');  // 5e70 at 77 decimals: 0.5e-6
  EXPECT_EQ(of_units(half_micro.c_str(), 77, 1'000'000, UsdParse::rounded).value, 0u);
  // Digits dropped that are all zero lose nothing: not "rounded".
  EXPECT_EQ(of_units("2000000000000", 18, 1'000'000).value, 2u);
}

TEST(Usd, BaseUnitsAgreeWithBigIntegerArithmetic) {
  // value * price / 10^decimals micro-USD, rounded half-to-even, recomputed with
  // boost::multiprecision for random values, decimals and prices.
  using boost::multiprecision::cpp_int;
  std::mt19937_64 rng(42);
  int checked = 0;
  for (int i = 0; i < 5000; ++i) {
    const auto decimals = static_cast<std::uint8_t>(rng() % 40);
    const std::uint64_t price = rng() % 3 == 0 ? 1'000'000 : rng() % 100'000'000'000ULL;
    std::string digits = std::to_string(rng());
    for (int extra = static_cast<int>(rng() % 3); extra > 0; --extra) digits += std::to_string(rng() % 1'000'000'000);
    const Uint256 value = *Uint256::from_decimal(digits);
    const cpp_int numerator = cpp_int(digits) * price;
    const cpp_int denominator = boost::multiprecision::pow(cpp_int(10), decimals);
    cpp_int q = numerator / denominator;
    const cpp_int r = numerator % denominator;
    if (r * 2 > denominator || (r * 2 == denominator && (q & 1) != 0)) ++q;
    UsdMicros got;
    const UsdParse parsed = usd_of_base_units(value, decimals, UsdMicros{price}, got);
    if (q > cpp_int(kMaxEventUsdMicros)) {
      EXPECT_EQ(parsed, UsdParse::out_of_range) << digits << " / 10^" << int{decimals} << " * " << price;
      continue;
    }
    ASSERT_NE(parsed, UsdParse::out_of_range) << digits;
    EXPECT_EQ(parsed == UsdParse::rounded, r != 0) << digits;
    EXPECT_EQ(cpp_int(got.value), q) << digits << " / 10^" << int{decimals} << " * " << price;
    ++checked;
  }
  EXPECT_GT(checked, 1000);
}

TEST(Usd, PrintsTheShortestExactForm) {
  EXPECT_EQ(to_string(UsdMicros{1'234'560'000}), "1234.56");
  EXPECT_EQ(to_string(UsdMicros{0}), "0");
  EXPECT_EQ(to_string(UsdMicros{1}), "0.000001");
  std::string out;
  append_usd(out, Uint256({0, 1, 0, 0}));  // 2^64 micros
  EXPECT_EQ(out, "18446744073709.551616");
}

TEST(Duration, ParsesAndFormats) {
  EXPECT_EQ(parse_duration("250ms")->count(), 250);
  EXPECT_EQ(parse_duration("24h")->count(), 86'400'000);
  EXPECT_FALSE(parse_duration("0s").ok());
  EXPECT_FALSE(parse_duration("5").ok());
  EXPECT_FALSE(parse_duration("-5s").ok());
  EXPECT_EQ(format_duration(std::chrono::minutes(60)), "1h");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1500ms");
}

}  // namespace
}  // namespace tokenflow::core
