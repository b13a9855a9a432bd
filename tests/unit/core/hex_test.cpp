#include "core/hex.hpp"

#include <gtest/gtest.h>

namespace tokenflow::core {
namespace {

int reference_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

TEST(Hex, TableAgreesWithTheRangesOnEveryByte) {
  for (int c = 0; c < 256; ++c) {
    const int expected = reference_value(c);
    const std::uint8_t got = hex_value(static_cast<char>(c));
    if (expected < 0) {
      EXPECT_EQ(got, kNotHex) << "byte " << c;
    } else {
      EXPECT_EQ(got, expected) << "byte " << c;
    }
  }
}

TEST(Hex, EdgesOfTheDigitRanges) {
  EXPECT_EQ(hex_value('0'), 0);
  EXPECT_EQ(hex_value('9'), 9);
  EXPECT_EQ(hex_value('a'), 10);
  EXPECT_EQ(hex_value('A'), 10);
  EXPECT_EQ(hex_value('f'), 15);
  EXPECT_EQ(hex_value('F'), 15);
  for (char c : {'/', ':', '@', '`', 'g', 'G', 'x', 'X', ' ', '\0', '\xff', '\x80'}) {
    EXPECT_EQ(hex_value(c), kNotHex) << static_cast<int>(c);
  }
}

TEST(Hex, NotHexSurvivesOrWithAnyDigit) {
  for (int c = 0; c < 256; ++c) {
    const std::uint8_t v = hex_value(static_cast<char>(c));
    EXPECT_EQ((v | kNotHex) & 0x80, 0x80);
    if (v != kNotHex) {
      EXPECT_EQ(v & 0x80, 0) << "digit " << c << " must not look like kNotHex";
    }
  }
}

}  // namespace
}  // namespace tokenflow::core
