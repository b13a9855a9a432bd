#include "sources/line_keyer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tokenflow::sources {
namespace {

constexpr const char* kTransfer =
    R"({"id":"0xabc_1","block_number":15320500,"timestamp":"2022-08-11T09:00:04Z",)"
    R"("contract_address":"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",)"
    R"("from_address":"0x1111111111111111111111111111111111111111",)"
    R"("to_address":"0x2222222222222222222222222222222222222222","value":"1000000"})";
constexpr const char* kSwap =
    R"({"id":"0xabc_1","timestamp":"2024-06-01T11:59:57Z","token":"0xdAC17F958D2ee523a2206206994597C13D831ec7",)"
    R"("trader":"0x1111111111111111111111111111111111111111","side":"sell","amount":"1000000",)"
    R"("amount_usd":"1.5"})";
constexpr const char* kTick =
    R"({"asset":"usd-coin","price_usd":"0.99987","timestamp":"2024-06-01T12:00:00Z","source":"cex"})";

TEST(LineKeyer, KeysEachTypeAsTheSimulatorDoes) {
  auto transfers = make_line_keyer(FileEvents::transfers);
  auto key = transfers->key_of(kTransfer);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");

  auto swaps = make_line_keyer(FileEvents::swaps);
  key = swaps->key_of(kSwap);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, "0xdac17f958d2ee523a2206206994597c13d831ec7");

  auto prices = make_line_keyer(FileEvents::prices);
  key = prices->key_of(kTick);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(*key, "usd-coin");
}

TEST(LineKeyer, ALineOfAnotherTypeIsInvalidWithTheDecodersReason) {
  auto swaps = make_line_keyer(FileEvents::swaps);
  auto key = swaps->key_of(kTransfer);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("'token'"), std::string::npos) << key.error().message;

  auto prices = make_line_keyer(FileEvents::prices);
  key = prices->key_of(kSwap);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("asset"), std::string::npos) << key.error().message;

  auto transfers = make_line_keyer(FileEvents::transfers);
  key = transfers->key_of("[1]");
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("JSON array"), std::string::npos) << key.error().message;
}

TEST(LineKeyer, EventsParseAsTheirFlagSpellsThem) {
  for (auto events : {FileEvents::transfers, FileEvents::swaps, FileEvents::prices}) {
    EXPECT_EQ(parse_file_events(to_string(events)), events);
  }
  EXPECT_FALSE(parse_file_events("swap").has_value());
}

}  // namespace
}  // namespace tokenflow::sources
