#include "http/http_client.hpp"

#include <gtest/gtest.h>

#include "http/errc.hpp"
#include "support/child_process.hpp"

namespace tokenflow::http {
namespace {

TEST(HttpClient, RetryAfterInSecondsOrAsAnHttpDate) {
  EXPECT_EQ(parse_retry_after(" 3 "), std::chrono::milliseconds(3000));
  EXPECT_EQ(parse_retry_after("0"), std::chrono::milliseconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_retry_after("").has_value());
  EXPECT_FALSE(parse_retry_after("soon").has_value());
}

TEST(HttpClient, ARefusedConnectionIsAConnectionFailureNamingTheUrl) {
  HttpClient client;
  const auto url =
      "http://127.0.0.1:" + std::to_string(testing::free_loopback_port()) + "/v1/graphql";
  auto answer = client.post_json(url, "{}");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, make_error_code(errc::connection_failed));
  EXPECT_NE(answer.error().message.find(url), std::string::npos);
}

}  // namespace
}  // namespace tokenflow::http
