#include "processors/alerts/alert.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "processors/alerts/webhook_sender.hpp"

namespace tokenflow::processors {
namespace {

Alert usdc_alert() {
  core::Transfer t;
  t.id.value = "0xfeed_7";
  t.block_number = 19'000'123;
  t.timestamp = core::UnixMillis{1'717'243'200'000};
  t.contract_address = *core::Address::parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  t.from_address = *core::Address::parse("0x1111111111111111111111111111111111111111");
  t.to_address = *core::Address::parse("0x2222222222222222222222222222222222222222");
  t.value = *core::Uint256::from_decimal("1234567891234");  // 1,234,567.891234 USDC
  t.tx_hash = "0xfeed";
  const auto registry = core::TokenRegistry::builtin();
  static const core::Decimal peg = *core::Decimal::parse("1");
  TokenView token{registry.find(t.contract_address), 6, &peg};
  return make_alert(t, Firing{AlertRule::large, SizeBasis::usd}, token);
}

TEST(Alert, JsonCarriesTheStableIdAndExactAmounts) {
  const auto alert = usdc_alert();
  const auto json = alert_json(alert);
  simdjson::dom::parser parser;
  auto doc = parser.parse(json);
  ASSERT_FALSE(doc.error()) << json;
  EXPECT_EQ(std::string_view(doc["alert_id"]), "0xfeed_7:large");
  EXPECT_EQ(std::string_view(doc["rule"]), "large");
  EXPECT_EQ(std::string_view(doc["severity"]), "warning");
  EXPECT_EQ(std::string_view(doc["token"]), "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  EXPECT_EQ(std::string_view(doc["symbol"]), "USDC");
  EXPECT_EQ(std::string_view(doc["value"]), "1234567891234");
  EXPECT_EQ(std::string_view(doc["amount"]), "1234567.891234");
  EXPECT_EQ(std::string_view(doc["usd"]), "1234567.891234");
  EXPECT_EQ(std::uint64_t(doc["block_number"]), 19'000'123u);
  EXPECT_EQ(std::string_view(doc["timestamp"]), "2024-06-01T12:00:00Z");
}

TEST(Alert, ConsoleBlockForPeopleWithoutColourUnlessAsked) {
  const auto alert = usdc_alert();
  const auto plain = console_block(alert, false);
  EXPECT_NE(plain.find("[warning] LARGE TRANSFER  1,234,567.89 USDC ($1,234,567.89)"),
            std::string::npos)
      << plain;
  EXPECT_NE(plain.find("from 0x1111\xe2\x80\xa6" "1111  to 0x2222\xe2\x80\xa6" "2222"),
            std::string::npos)
      << plain;
  EXPECT_NE(plain.find("block 19000123  tx 0xfeed"), std::string::npos) << plain;
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(console_block(alert, true).find("\x1b[1;33m"), std::string::npos);
}

TEST(Alert, WebhookPayloadsForSlackAndDiscord) {
  const auto alert = usdc_alert();
  simdjson::dom::parser parser;
  const auto slack = WebhookSender::payload(alert, "http://hooks.example/T1", WebhookFormat::automatic);
  auto doc = parser.parse(slack);
  ASSERT_FALSE(doc.error()) << slack;
  EXPECT_NE(std::string_view(doc["text"]).find("LARGE TRANSFER"), std::string_view::npos);
  EXPECT_EQ(std::string_view(doc["alert"]["alert_id"]), "0xfeed_7:large");
  const auto discord =
      WebhookSender::payload(alert, "https://discord.com/api/webhooks/1/x", WebhookFormat::automatic);
  auto doc2 = parser.parse(discord);
  ASSERT_FALSE(doc2.error()) << discord;
  EXPECT_NE(std::string_view(doc2["content"]).find("1,234,567.89 USDC"), std::string_view::npos);
  EXPECT_TRUE(doc2["text"].error());
}

}  // namespace
}  // namespace tokenflow::processors
