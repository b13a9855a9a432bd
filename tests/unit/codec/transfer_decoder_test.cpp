#include "codec/transfer_decoder.hpp"

#include <gtest/gtest.h>

#include <string>

#include "codec/errc.hpp"
#include "codec/transfer_encoder.hpp"

namespace tokenflow::codec {
namespace {

const std::string kValid =
    R"({"id":"0x54f4d2da70b5dbb1b3729b2816621c2d56c02969668fa67fa30b8f7db3b8b5d2_2",)"
    R"("block_number":15320500,"timestamp":"2022-08-11T09:00:04Z",)"
    R"("contract_address":"0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",)"
    R"("from_address":"0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc",)"
    R"("to_address":"0xdb18c8c4f636459b2d31ab9a27910e1da97b7f3f","value":"49730618"})";

core::Result<core::Transfer> decode(std::string_view json) {
  TransferDecoder decoder;
  core::Transfer t;
  auto r = decoder.decode(json, t);
  if (!r.ok()) return std::move(r).error();
  return t;
}

errc code_of(std::string_view json) {
  auto r = decode(json);
  if (r.ok()) return errc::ok;
  EXPECT_EQ(&r.error().code.category(), &codec_category()) << r.error().message;
  return static_cast<errc>(r.error().code.value());
}

std::string with(std::string_view field_json) {
  // kValid with one more field spliced in before the closing brace.
  std::string s = kValid;
  s.pop_back();
  return s + "," + std::string(field_json) + "}";
}

std::string without(std::string_view key) {
  std::string s = kValid;
  auto pos = s.find("\"" + std::string(key) + "\"");
  auto end = s.find_first_of(",}", s.find(':', pos) + 1);
  if (s[pos - 1] == ',') --pos;
  else if (s[end] == ',') ++end;
  return s.erase(pos, end - pos);
}

TEST(TransferDecoder, DecodesTheSnakeCaseWireForm) {
  auto t = decode(kValid);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->id.value, "0x54f4d2da70b5dbb1b3729b2816621c2d56c02969668fa67fa30b8f7db3b8b5d2_2");
  EXPECT_EQ(t->block_number, 15320500u);
  EXPECT_EQ(core::to_iso8601(t->timestamp), "2022-08-11T09:00:04Z");
  EXPECT_EQ(t->contract_address.to_string(), "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  EXPECT_EQ(t->value.to_decimal(), "49730618");
  EXPECT_FALSE(t->chain_id.has_value());
  EXPECT_TRUE(t->tx_hash.empty());
}

TEST(TransferDecoder, AcceptsTheIndexersCamelCaseAliases) {
  auto t = decode(
      R"({"id":"a_1","blockNumber":"19234567","timestamp":1717243197,)"
      R"("contractAddress":"0xdac17f958d2ee523a2206206994597c13d831ec7",)"
      R"("from":"0x0000000000000000000000000000000000000000",)"
      R"("to":"0xdb18c8c4f636459b2d31ab9a27910e1da97b7f3f","value":"115792089237316195423570985008687907853269984665640564039457584007913129639935",)"
      R"("chainId":1,"transactionHash":"0xabc","logIndex":7,"symbol":"USDT","decimals":6})");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->block_number, 19234567u);
  EXPECT_EQ(t->timestamp.value, 1717243197000);
  EXPECT_TRUE(t->is_mint());
  EXPECT_EQ(t->value, core::Uint256::max());
  EXPECT_EQ(t->chain_id, 1u);
  EXPECT_EQ(t->tx_hash, "0xabc");
  EXPECT_EQ(t->log_index, 7u);
  EXPECT_EQ(t->symbol, "USDT");
  EXPECT_EQ(t->decimals, 6);
}

TEST(TransferDecoder, IgnoresUnknownFieldsAndNullOptionals) {
  auto t = decode(with(R"("extra":{"nested":[1,2,3]},"chain_id":null)"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_FALSE(t->chain_id.has_value());
}

TEST(TransferDecoder, EncodeThenDecodeIsIdentity) {
  core::Transfer t = *decode(kValid);
  t.chain_id = 137;
  t.tx_hash = "0xfeed";
  t.log_index = 3;
  t.symbol = "USD\"C\\\n";
  t.decimals = 6;
  t.id.value = "weird \t id \x01 \"quoted\" é";
  t.timestamp.value = 1717243197250;
  auto back = decode(encode_transfer(t));
  ASSERT_TRUE(back.ok()) << back.error().message << "\n" << encode_transfer(t);
  EXPECT_EQ(*back, t);
}

TEST(TransferDecoder, ResetsOptionalFieldsBetweenMessages) {
  TransferDecoder decoder;
  core::Transfer t;
  ASSERT_TRUE(decoder.decode(with(R"("chain_id":5,"symbol":"X")"), t).ok());
  ASSERT_TRUE(decoder.decode(kValid, t).ok());
  EXPECT_FALSE(t.chain_id.has_value());
  EXPECT_TRUE(t.symbol.empty());
}

TEST(TransferDecoder, RejectsMalformedDocuments) {
  EXPECT_EQ(code_of(""), errc::empty);
  EXPECT_EQ(code_of("   \n"), errc::empty);
  EXPECT_EQ(code_of("{"), errc::not_json);
  EXPECT_EQ(code_of("not json"), errc::not_json);
  EXPECT_EQ(code_of(kValid + "{}"), errc::not_json) << "two objects";
  EXPECT_EQ(code_of(kValid + " x"), errc::not_json) << "trailing bytes";
  EXPECT_EQ(code_of("[" + kValid + "]"), errc::not_an_object);
  EXPECT_EQ(code_of("\"a string\""), errc::not_an_object);
  EXPECT_EQ(code_of("42"), errc::not_an_object);
  EXPECT_EQ(code_of("null"), errc::not_an_object);
  EXPECT_EQ(code_of(with(R"("x":[1,,2])")), errc::not_json) << "syntax error inside an ignored field";
  EXPECT_EQ(code_of(std::string(TransferDecoder::kMaxMessageBytes + 1, ' ')), errc::too_large);
}

TEST(TransferDecoder, RejectsInvalidUtf8) {
  EXPECT_EQ(code_of(with("\"note\":\"\xff\xfe\"")), errc::invalid_utf8);
  EXPECT_EQ(code_of(with("\"note\":\"\xc3\x28\"")), errc::invalid_utf8);
}

TEST(TransferDecoder, RejectsDuplicateKeysAndAliasesOfOneField) {
  EXPECT_EQ(code_of(with(R"("value":"1")")), errc::duplicate_key);
  EXPECT_EQ(code_of(with(R"("blockNumber":1)")), errc::duplicate_key);
  EXPECT_EQ(code_of(with(R"("x":1,"x":2)")), errc::duplicate_key);
  auto r = decode(with(R"("from":"0xdb18c8c4f636459b2d31ab9a27910e1da97b7f3f")"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("'from_address' and 'from'"), std::string::npos)
      << r.error().message;
}

TEST(TransferDecoder, RejectsMissingRequiredFields) {
  for (const char* key : {"id", "block_number", "timestamp", "contract_address", "from_address",
                          "to_address", "value"}) {
    auto r = decode(without(key));
    ASSERT_FALSE(r.ok()) << "accepted a transfer without " << key;
    EXPECT_EQ(r.error().code, errc::missing_field);
    EXPECT_NE(r.error().message.find(key), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(code_of(without("value").insert(1, R"("value":null,)")), errc::missing_field);
}

TEST(TransferDecoder, RejectsMistypedFields) {
  EXPECT_EQ(code_of(without("value").insert(1, R"("value":true,)")), errc::wrong_type);
  EXPECT_EQ(code_of(without("id").insert(1, R"("id":5,)")), errc::wrong_type);
  EXPECT_EQ(code_of(without("block_number").insert(1, R"("block_number":[1],)")),
            errc::wrong_type);
  EXPECT_EQ(code_of(without("from_address").insert(1, R"("from_address":{},)")),
            errc::wrong_type);
  EXPECT_EQ(code_of(without("timestamp").insert(1, R"("timestamp":false,)")), errc::wrong_type);
}

TEST(TransferDecoder, RejectsInvalidValuesWithAReasonNamingTheField) {
  auto negative = decode(without("value").insert(1, R"("value":"-5",)"));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, errc::invalid_value);
  EXPECT_EQ(negative.error().message,
            "field 'value': '-5' is not an unsigned integer (only digits 0-9)");

  EXPECT_EQ(code_of(without("value").insert(1, R"("value":"1.5",)")), errc::invalid_value);
  EXPECT_EQ(code_of(without("value").insert(1, R"("value":1.5,)")), errc::invalid_value);
  EXPECT_EQ(code_of(without("value").insert(1, R"("value":-1,)")), errc::invalid_value);
  EXPECT_EQ(code_of(without("value").insert(
                1, R"("value":"115792089237316195423570985008687907853269984665640564039457584007913129639936",)")),
            errc::invalid_value);
  EXPECT_EQ(code_of(without("to_address").insert(1, R"("to_address":"0x1234",)")),
            errc::invalid_value);
  EXPECT_EQ(code_of(without("timestamp").insert(1, R"("timestamp":"yesterday",)")),
            errc::invalid_value);
  EXPECT_EQ(code_of(without("block_number").insert(1, R"("block_number":-3,)")),
            errc::invalid_value);
  EXPECT_EQ(code_of(without("block_number").insert(1, R"("block_number":"99999999999999999999",)")),
            errc::invalid_value);
  EXPECT_EQ(code_of(without("id").insert(1, R"("id":"",)")), errc::invalid_value);
  EXPECT_EQ(code_of(without("id").insert(1, "\"id\":\"" + std::string(257, 'a') + "\",")),
            errc::invalid_value);
  EXPECT_EQ(code_of(without("id").insert(1, "\"id\":\"" + std::string(256, 'a') + "\",")),
            errc::ok);
  EXPECT_EQ(code_of(with(R"("decimals":300)")), errc::invalid_value);
  EXPECT_EQ(code_of(with(R"("log_index":99999999999)")), errc::invalid_value);
}

TEST(TransferDecoder, RejectionsOfTheCommonFieldsKeepTheirExactReasons) {
  // The decoder reads valid fields on a fast path and asks the full readers only why a field
  // was rejected; these sentences are what dead letters carry.
  EXPECT_EQ(
      decode(without("from_address")
                 .insert(1, R"("from_address":"0xb4e16d0168e52d35cacd2c6185b44281ec28c9dG",)"))
          .error()
          .message,
      "field 'from_address': '0xb4e16d0168e52d35cacd2c6185b44281ec28c9dG' is not an "
      "address: expected 0x followed by 40 hex digits, found a non-hex character");
  EXPECT_EQ(decode(without("to_address").insert(1, R"("to":"0x12",)")).error().message,
            "field 'to': '0x12' is not an address: expected 0x followed by 40 hex digits");
  EXPECT_EQ(decode(without("value").insert(1, R"("value":"12a",)")).error().message,
            "field 'value': '12a' is not an unsigned integer (only digits 0-9)");
  EXPECT_EQ(decode(without("timestamp").insert(1, R"("timestamp":"2024-02-30T00:00:00Z",)"))
                .error()
                .message,
            "field 'timestamp': '2024-02-30T00:00:00Z' is not a timestamp (ISO-8601 UTC or unix "
            "seconds): that day does not exist");
  EXPECT_EQ(decode(without("block_number").insert(1, R"("blockNumber":-3,)")).error().message,
            "field 'blockNumber' is -3, expected a number >= 0");
  EXPECT_EQ(decode(with(R"("symbol":7)")).error().message,
            "field 'symbol' is a JSON integer, expected a string");
}

TEST(TransferDecoder, ReadsTheLessCommonValidForms) {
  // Forms the fast path may leave to the full readers must still decode.
  auto t = decode(without("block_number")
                      .insert(1, R"("block_number":"18446744073709551615","chain_id":"137",)"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->block_number, UINT64_MAX);
  EXPECT_EQ(t->chain_id, 137u);
  t = decode(without("value").insert(1, R"("value":18446744073709551615,)"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->value, core::Uint256(UINT64_MAX));
  t = decode(without("timestamp").insert(1, R"("timestamp":"1717243197.25",)"));
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->timestamp.value, 1717243197250);
}

TEST(TransferDecoder, HugeJsonNumbersAreRejectedNotRounded) {
  auto r = decode(without("value").insert(1, R"("value":123456789012345678901234567890,)"));
  ASSERT_FALSE(r.ok()) << "a 30-digit JSON number must not be rounded through a double";
}

}  // namespace
}  // namespace tokenflow::codec
