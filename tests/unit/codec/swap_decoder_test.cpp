#include "codec/swap_decoder.hpp"

#include <gtest/gtest.h>

#include "codec/errc.hpp"
#include "codec/swap_encoder.hpp"

namespace tokenflow::codec {
namespace {

constexpr const char* kValidSwap =
    R"({"id":"0xabc_1","timestamp":"2024-06-01T11:59:57Z","token":"0xdAC17F958D2ee523a2206206994597C13D831ec7",)"
    R"("trader":"0x1111111111111111111111111111111111111111","side":"sell","amount":"1000000",)"
    R"("amount_usd":"1.0000005","pool":"0x2222222222222222222222222222222222222222","chain_id":1})";

TEST(SwapDecoder, DecodesAndRoundTrips) {
  SwapDecoder decoder;
  core::Swap s;
  auto ok = decoder.decode(kValidSwap, s);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(decoder.rounded());
  EXPECT_EQ(s.side, core::SwapSide::sell);
  EXPECT_EQ(s.amount_usd.value, 1'000'000u);  // half to even
  EXPECT_EQ(s.token.to_string(), "0xdac17f958d2ee523a2206206994597c13d831ec7");
  ASSERT_TRUE(s.pool.has_value());
  core::Swap again;
  ASSERT_TRUE(decoder.decode(encode_swap(s), again).ok());
  EXPECT_FALSE(decoder.rounded());
  EXPECT_EQ(again, s);
}

TEST(SwapDecoder, RejectsWithAReason) {
  SwapDecoder decoder;
  core::Swap s;
  const std::string valid = kValidSwap;
  auto with = [&](std::string_view from, std::string_view to) {
    std::string m = valid;
    m.replace(m.find(from), from.size(), to);
    return m;
  };
  const std::pair<std::string, errc> cases[] = {
      {"", errc::empty},
      {"[1]", errc::not_an_object},
      {valid + valid, errc::not_json},
      {with("\"side\":\"sell\"", "\"side\":\"hold\""), errc::invalid_value},
      {with("\"amount_usd\":\"1.0000005\"", "\"amount_usd\":\"-1\""), errc::invalid_value},
      {with("\"amount_usd\":\"1.0000005\"", "\"amount_usd\":1.5"), errc::wrong_type},
      {with("\"id\":", "\"ids\":"), errc::missing_field},
      {with("\"chain_id\":1", "\"side\":\"buy\""), errc::duplicate_key},
      {with("\"trader\":\"0x1", "\"trader\":\"0xz"), errc::invalid_value},
  };
  for (const auto& [message, code] : cases) {
    auto result = decoder.decode(message, s);
    ASSERT_FALSE(result.ok()) << message;
    EXPECT_EQ(result.error().code, code) << message << ": " << result.error().message;
  }
}

}  // namespace
}  // namespace tokenflow::codec
