#include "core/ascii.hpp"

#include <gtest/gtest.h>

#include <cctype>

namespace tokenflow::core {
namespace {

TEST(Ascii, FoldsAndTestsEveryByteLikeTheCLocaleOnAsciiAndLeavesTheRestAlone) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (b < 0x80) {
      EXPECT_EQ(ascii_lower(c), static_cast<char>(std::tolower(b))) << b;
      EXPECT_EQ(ascii_space(c), std::isspace(b) != 0) << b;
    } else {
      // Bytes of UTF-8 sequences: a negative char where char is signed, never folded.
      EXPECT_EQ(ascii_lower(c), c) << b;
      EXPECT_FALSE(ascii_space(c)) << b;
    }
  }
}

TEST(Ascii, ComparesIgnoringAsciiCaseOnly) {
  EXPECT_TRUE(ascii_iequals("USDC", "usdc"));
  EXPECT_TRUE(ascii_iequals("", ""));
  EXPECT_FALSE(ascii_iequals("USDC", "USDT"));
  EXPECT_FALSE(ascii_iequals("USDC", "USDC "));
  // "É" and "é" in UTF-8 differ in a non-ASCII byte: not folded, so not equal.
  EXPECT_FALSE(ascii_iequals("\xc3\x89", "\xc3\xa9"));
  EXPECT_TRUE(ascii_iequals("\xc3\xa9URO", "\xc3\xa9uro"));
  EXPECT_TRUE(ascii_istarts_with("Retry-After: 3", "retry-after:"));
  EXPECT_FALSE(ascii_istarts_with("Retry", "retry-after:"));
  EXPECT_EQ(ascii_trim(" \t 3 \r\n"), "3");
  EXPECT_EQ(ascii_trim(" \xa0 "), "\xa0");  // a Latin-1 no-break space is not ASCII space
  EXPECT_EQ(ascii_trim("   "), "");
}

}  // namespace
}  // namespace tokenflow::core
