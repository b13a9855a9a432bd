#include "codec/price_tick_decoder.hpp"

#include <gtest/gtest.h>

#include "codec/errc.hpp"
#include "codec/price_tick_encoder.hpp"

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

TEST(PriceTickDecoder, ReadsEveryOptionalFieldAndDerivesTheIdWhenAbsent) {
  PriceTickDecoder decoder;
  auto tick = decoder.decode(
      R"({"asset":"usd-coin","symbol":"USDC","price_usd":"0.999870000000000001","timestamp":1717243200,)"
      R"("source":"coingecko","contract_address":"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",)"
      R"("volume_24h_usd":"5432109876.5","change_24h_pct":"-0.0123","liquidity_usd":1.5e-05})");
  ASSERT_TRUE(tick.ok()) << tick.error().message;
  EXPECT_EQ(tick->id, "coingecko:usd-coin:1717243200000");
  EXPECT_EQ(tick->symbol, "USDC");
  EXPECT_EQ(tick->price_usd.to_string(), "0.999870000000000001");
  ASSERT_TRUE(tick->contract_address);
  EXPECT_EQ(tick->volume_24h_usd->to_string(), "5432109876.5");
  EXPECT_EQ(tick->change_24h_pct->to_string(), "-0.0123");
  EXPECT_EQ(tick->liquidity_usd->to_string(), "0.000015");
  auto with_id = decoder.decode(R"({"id":"x:y:1","asset":"a","price_usd":"1","timestamp":1})");
  ASSERT_TRUE(with_id.ok());
  EXPECT_EQ(with_id->id, "x:y:1");
}

TEST(PriceTickEncoder, TheDecoderReadsBackWhatWasEncoded) {
  PriceTickDecoder decoder;
  core::PriceTick tick;
  tick.asset = "tether";
  tick.symbol = "USDT";
  tick.source = "binance";
  tick.price_usd = *core::Decimal::parse("1.00012345678901234567");
  tick.timestamp = core::UnixMillis{1'717'243'200'123};
  tick.id = core::price_tick_id(tick.source, tick.asset, tick.timestamp);
  tick.chain_id = 1;
  tick.contract_address = *core::Address::parse("0xdac17f958d2ee523a2206206994597c13d831ec7");
  tick.volume_24h_usd = *core::Decimal::parse("123.25");
  tick.change_24h_pct = *core::SignedDecimal::parse("-3.5");
  tick.liquidity_usd = *core::Decimal::parse("1000000");
  const std::string json = encode_price_tick(tick);
  auto back = decoder.decode(json);
  ASSERT_TRUE(back.ok()) << back.error().message << ": " << json;
  EXPECT_EQ(back->id, "binance:tether:1717243200123");
  EXPECT_EQ(encode_price_tick(*back), json);
  EXPECT_EQ(back->price_usd.to_string(), "1.00012345678901234567");
  EXPECT_TRUE(back->change_24h_pct->negative);
}

TEST(PriceTickDecoder, ATickWithoutASourceIsFromTheUnknownSource) {
  PriceTickDecoder decoder;
  auto tick = decoder.decode(R"({"asset":"usd-coin","price_usd":"1.0001","timestamp":1764763200})");
  ASSERT_TRUE(tick.ok()) << tick.error().message;
  EXPECT_EQ(tick->source, "unknown");
  EXPECT_EQ(tick->id, "unknown:usd-coin:1764763200000");
}

}  // namespace
}  // namespace tokenflow::codec
