#include "core/usd.hpp"

#include <gtest/gtest.h>

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
