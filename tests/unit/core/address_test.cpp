#include "core/address.hpp"

#include <gtest/gtest.h>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

TEST(Address, NormalisesToLowerCase) {
  auto a = Address::parse("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->to_string(), "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  EXPECT_EQ(*Address::parse("0XA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48"), *a);
}

TEST(Address, ZeroAddressIsRecognised) {
  auto zero = Address::parse("0x0000000000000000000000000000000000000000");
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->is_zero());
  EXPECT_EQ(*zero, Address{});
  EXPECT_FALSE(Address::parse("0x0000000000000000000000000000000000000001")->is_zero());
}

TEST(Address, RejectsWrongLengthPrefixAndCharacters) {
  for (const char* bad : {"", "0x", "a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
                          "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4",
                          "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb481",
                          "0xg0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
                          " 0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4",
                          "1xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"}) {
    auto r = Address::parse(bad);
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(r.error().code, errc::invalid_address);
    EXPECT_NE(r.error().message.find("40 hex digits"), std::string::npos) << r.error().message;
  }
}

TEST(Address, TryParseAcceptsWhatParseAccepts) {
  for (const char* good :
       {"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "0XA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48",
        "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "0x0000000000000000000000000000000000000000",
        "0xffffffffffffffffffffffffffffffffffffffff",
        "0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"}) {
    Address a;
    ASSERT_TRUE(Address::try_parse(good, a)) << good;
    EXPECT_EQ(a, *Address::parse(good)) << good;
  }
}

TEST(Address, TryParseRejectsWhatParseRejectsAndLeavesTheOutputAlone) {
  const Address before = *Address::parse("0x1111111111111111111111111111111111111111");
  for (const char* bad :
       {"", "0x", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4",
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb481",
        "0xG0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",  // 'G' first
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4g",  // 'g' last
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4G",
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606e:48",  // just past '9'
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606e@48",  // just before 'A'
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606e`48",  // just before 'a'
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606e/48",  // just before '0'
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eÿ"
        "48",
        "0x a0b86991c6218b36c1d19d4a2e9eb0ce3606eb4", "x0a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
        "00a0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", "0ya0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",
        "0xx0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"}) {
    Address a = before;
    EXPECT_FALSE(Address::try_parse(bad, a)) << "accepted '" << bad << "'";
    EXPECT_EQ(a, before) << "a failed try_parse must leave the output unchanged";
    EXPECT_FALSE(Address::parse(bad).ok()) << bad;
  }
}

TEST(Address, ParseStillSaysWhichRuleFailed) {
  EXPECT_EQ(Address::parse("0x1234").error().message,
            "'0x1234' is not an address: expected 0x followed by 40 hex digits");
  EXPECT_EQ(Address::parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4g").error().message,
            "'0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb4g' is not an address: expected 0x "
            "followed by 40 hex digits, found a non-hex character");
}

TEST(Address, HashSpreadsDistinctAddresses) {
  AddressHash h;
  EXPECT_NE(h(*Address::parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")),
            h(*Address::parse("0xdac17f958d2ee523a2206206994597c13d831ec7")));
}

}  // namespace
}  // namespace tokenflow::core
