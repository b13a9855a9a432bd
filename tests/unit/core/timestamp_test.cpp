#include "core/timestamp.hpp"

#include <gtest/gtest.h>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

TEST(Timestamp, ParsesIsoUtc) {
  EXPECT_EQ(parse_timestamp("2024-06-01T11:59:57Z")->value, 1717243197000);
  EXPECT_EQ(parse_timestamp("1970-01-01T00:00:00Z")->value, 0);
  EXPECT_EQ(parse_timestamp("2024-06-01T11:59:57.25Z")->value, 1717243197250);
  EXPECT_EQ(parse_timestamp("2024-06-01T11:59:57.123456Z")->value, 1717243197123);
  EXPECT_EQ(parse_timestamp("2024-06-01 11:59:57")->value, 1717243197000);
  EXPECT_EQ(parse_timestamp("2024-02-29T00:00:00Z")->value, 1709164800000);
}

TEST(Timestamp, AppliesUtcOffsets) {
  EXPECT_EQ(parse_timestamp("2024-06-01T13:59:57+02:00")->value, 1717243197000);
  EXPECT_EQ(parse_timestamp("2024-06-01T06:59:57-0500")->value, 1717243197000);
  EXPECT_EQ(parse_timestamp("2024-06-01T11:59:57+00")->value, 1717243197000);
}

TEST(Timestamp, ParsesUnixSeconds) {
  EXPECT_EQ(parse_timestamp("1717243197")->value, 1717243197000);
  EXPECT_EQ(parse_timestamp("0")->value, 0);
  EXPECT_EQ(parse_timestamp("1717243197.5")->value, 1717243197500);
}

TEST(Timestamp, TryParseAgreesWithParse) {
  for (const char* text : {"2024-06-01T11:59:57Z",
                           "2024-06-01T11:59:57.25Z",
                           "2024-06-01 11:59:57",
                           "2024-06-01T13:59:57+02:00",
                           "2024-06-01T06:59:57-0500",
                           "2024-06-01T11:59:57+00",
                           "1717243197",
                           "1717243197.5",
                           "0",
                           "17172431970000000000",
                           "1717243197.0000000000000",
                           "",
                           "yesterday",
                           "2024-13-01T00:00:00Z",
                           "2023-02-29T00:00:00Z",
                           "-5",
                           "1e9",
                           "2024-06-01T11:59:57.",
                           "1969-12-31T23:59:59Z",
                           "2024-06-01T11:59:57Zjunk",
                           "2024/06/01T11:59:57Z",
                           "20240601T115957Z0000",
                           "-2024-06-01T11:59:57"}) {
    const UnixMillis before{42};
    UnixMillis got = before;
    auto checked = parse_timestamp(text);
    ASSERT_EQ(try_parse_timestamp(text, got), checked.ok()) << text;
    EXPECT_EQ(got, checked.ok() ? *checked : before) << text;
  }
}

TEST(Timestamp, RejectsNonsense) {
  for (const char* bad : {"", "yesterday", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                          "2024-06-01T24:00:00Z", "2024-06-01T11:59:57Zjunk", "-5", "1e9",
                          "2024-06-01T11:59:57+25:00", "1969-12-31T23:59:59Z",
                          "99999999999999999999", "2024-06-01T11:59:57.",
                          "9999-12-31T23:59:59-00:01"}) {
    auto r = parse_timestamp(bad);
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(r.error().code, errc::invalid_timestamp);
  }
}

TEST(Timestamp, FormatsIsoAndRoundTrips) {
  EXPECT_EQ(to_iso8601(UnixMillis{1717243197000}), "2024-06-01T11:59:57Z");
  EXPECT_EQ(to_iso8601(UnixMillis{1717243197250}), "2024-06-01T11:59:57.250Z");
  EXPECT_EQ(to_iso8601(UnixMillis{0}), "1970-01-01T00:00:00Z");
  for (std::int64_t t = 0; t < 4'000'000'000'000; t += 9'876'543'211) {
    EXPECT_EQ(parse_timestamp(to_iso8601(UnixMillis{t}))->value, t);
  }
}

}  // namespace
}  // namespace tokenflow::core
