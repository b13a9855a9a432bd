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

TEST(Address, HashSpreadsDistinctAddresses) {
  AddressHash h;
  EXPECT_NE(h(*Address::parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")),
            h(*Address::parse("0xdac17f958d2ee523a2206206994597c13d831ec7")));
}

}  // namespace
}  // namespace tokenflow::core
