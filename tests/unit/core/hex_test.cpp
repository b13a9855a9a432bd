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

// The parser's invariant (Address::try_parse ORs the values of a run of characters and tests
// the high bit once): the OR of two lookups has the high bit set exactly when one of the two
// bytes is not a hex digit. Checked on every pair of bytes, so by induction on any run.
TEST(Hex, TheOrOfTwoLookupsHasTheHighBitExactlyWhenOneIsNotHex) {
  int wrong = 0;
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::uint8_t va = hex_value(static_cast<char>(a));
      const std::uint8_t vb = hex_value(static_cast<char>(b));
      const bool flagged = ((va | vb) & 0x80) != 0;
      const bool not_hex = reference_value(a) < 0 || reference_value(b) < 0;
      if (flagged != not_hex && ++wrong <= 5) {
        ADD_FAILURE() << "bytes " << a << " and " << b << ": OR " << int(va | vb)
                      << (not_hex ? " lost the not-hex bit" : " looks like not-hex");
      }
    }
  }
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace tokenflow::core
