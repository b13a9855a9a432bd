#include "http/stream_request.hpp"

#include <gtest/gtest.h>

#include "http/errc.hpp"

namespace tokenflow::http {
namespace {

TEST(StreamRequest, ReadsSubscribeAndUnsubscribe) {
  simdjson::dom::parser parser;
  auto subscribe = parse_stream_request(
      R"({"op":"subscribe","tokens":["0xdAC17F958D2ee523a2206206994597C13D831ec7","*"]})", parser);
  ASSERT_TRUE(subscribe.ok()) << subscribe.error().message;
  EXPECT_TRUE(subscribe->subscribe);
  EXPECT_TRUE(subscribe->all);
  ASSERT_EQ(subscribe->tokens.size(), 1u);
  EXPECT_EQ(subscribe->tokens[0].to_string(), "0xdac17f958d2ee523a2206206994597c13d831ec7");
  auto unsubscribe = parse_stream_request(R"({"op":"unsubscribe","tokens":[]})", parser);
  ASSERT_TRUE(unsubscribe.ok()) << unsubscribe.error().message;
  EXPECT_FALSE(unsubscribe->subscribe);
  EXPECT_FALSE(unsubscribe->all);
  EXPECT_TRUE(unsubscribe->tokens.empty());
}

TEST(StreamRequest, RefusesWithTheSentenceTheClientGets) {
  simdjson::dom::parser parser;
  struct Case {
    const char* message;
    const char* says;
  };
  for (const auto& c : {Case{"", "expected {"}, Case{"[]", "expected {"},
                        Case{R"({"op":"subscribe"})", "expected {"},
                        Case{R"({"op":"watch","tokens":[]})", "unknown op 'watch'"},
                        Case{R"({"op":"subscribe","tokens":[1]})", "must be strings"},
                        Case{R"({"op":"subscribe","tokens":["0x12"]})", "'0x12' is not a token"}}) {
    auto request = parse_stream_request(c.message, parser);
    ASSERT_FALSE(request.ok()) << c.message;
    EXPECT_EQ(request.error().code, errc::bad_request) << c.message;
    EXPECT_NE(request.error().message.find(c.says), std::string::npos) << request.error().message;
  }
}

}  // namespace
}  // namespace tokenflow::http
