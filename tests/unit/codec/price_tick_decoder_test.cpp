#include "codec/price_tick_decoder.hpp"

#include <gtest/gtest.h>

#include "codec/errc.hpp"

namespace tokenflow::codec {
namespace {

TEST(PriceTickDecoder, DecodesATickExactly) {
  PriceTickDecoder decoder;
  auto tick = decoder.decode(
      R"({"asset":"USDC","price_usd":"0.99987","timestamp":"2024-06-01T12:00:00Z","source":"cex","chain_id":1})");
  ASSERT_TRUE(tick.ok()) << tick.error().message;
  EXPECT_EQ(tick->asset, "USDC");
  EXPECT_EQ(tick->price_usd.to_string(), "0.99987");
  EXPECT_EQ(tick->timestamp.value, 1'717'243'200'000);
  EXPECT_EQ(tick->source, "cex");
  EXPECT_EQ(tick->chain_id, 1u);
  auto number = decoder.decode(R"({"asset":"WETH","price_usd":3012.5,"timestamp":1717243200})");
  ASSERT_TRUE(number.ok()) << number.error().message;
  EXPECT_EQ(number->price_usd.to_string(), "3012.5");
}

TEST(PriceTickDecoder, RejectsWithAReasonNamingTheField) {
  PriceTickDecoder decoder;
  struct Case {
    const char* message;
    errc code;
    const char* says;
  };
  for (const auto& c : {
           Case{"", errc::empty, "empty"},
           Case{"[1]", errc::not_an_object, "array"},
           Case{R"({"asset":"USDC","timestamp":1})", errc::missing_field, "price_usd"},
           Case{R"({"price_usd":"1","timestamp":1})", errc::missing_field, "asset"},
           Case{R"({"asset":"USDC","price_usd":"-1","timestamp":1})", errc::invalid_value, "price_usd"},
           Case{R"({"asset":"USDC","price_usd":true,"timestamp":1})", errc::wrong_type, "price_usd"},
           Case{R"({"asset":"USDC","asset":"DAI","price_usd":"1","timestamp":1})", errc::duplicate_key, "asset"},
       }) {
    auto tick = decoder.decode(c.message);
    ASSERT_FALSE(tick.ok()) << c.message;
    EXPECT_EQ(tick.error().code, make_error_code(c.code)) << c.message << ": " << tick.error().message;
    EXPECT_NE(tick.error().message.find(c.says), std::string::npos) << tick.error().message;
  }
}

}  // namespace
}  // namespace tokenflow::codec
