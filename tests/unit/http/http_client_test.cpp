#include "http/http_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "http/errc.hpp"
#include "http/http_server.hpp"
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

// Answers /<n> with n bytes, announced by Content-Length, and /chunked/<n> with n bytes in
// chunks (no length known before the body): the limit must hold for both.
class HttpClientLimit : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.address = "127.0.0.1";
    server_ = std::make_unique<HttpServer>(options, [](const Request& request, const ClientInfo&) {
      const auto raw = request.target();
      std::string_view target(raw.data(), raw.size());
      const bool chunked = target.starts_with("/chunked/");
      target.remove_prefix(chunked ? 9 : 1);
      auto response = make_response(request, 200, "application/json",
                                    std::string(std::stoul(std::string(target)), 'x'));
      if (chunked) response.chunked(true);
      return response;
    });
    ASSERT_TRUE(server_->start().ok());
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpClientLimit, AnAnswerUpToTheLimitIsKept) {
  HttpOptions options;
  options.max_response_bytes = 100'000;
  HttpClient client(options);
  for (const auto* path : {"/100000", "/chunked/100000"}) {
    auto answer = client.post_json(url(path), "{}");
    ASSERT_TRUE(answer.ok()) << path << ": " << answer.error().message;
    EXPECT_EQ(answer->body.size(), 100'000u) << path;
  }
}

TEST_F(HttpClientLimit, AnAnswerOverTheLimitIsRefusedNamingTheFlagAndTheEndpoint) {
  HttpOptions options;
  options.max_response_bytes = 100'000;
  HttpClient client(options);
  for (const auto* path : {"/100001", "/chunked/100001", "/chunked/5000000"}) {
    auto answer = client.post_json(url(path), "{}");
    ASSERT_FALSE(answer.ok()) << path;
    EXPECT_EQ(answer.error().code, make_error_code(errc::response_too_large)) << path;
    EXPECT_NE(answer.error().message.find(url(path)), std::string::npos) << answer.error().message;
    EXPECT_NE(answer.error().message.find("--max-response-bytes"), std::string::npos)
        << answer.error().message;
    EXPECT_NE(answer.error().message.find("100000 bytes"), std::string::npos)
        << answer.error().message;
  }
  // The refusal leaves the client usable.
  auto small = client.post_json(url("/10"), "{}");
  ASSERT_TRUE(small.ok()) << small.error().message;
  EXPECT_EQ(small->body, std::string(10, 'x'));
}

TEST(HttpClient, TheDefaultLimitIs64MiB) {
  EXPECT_EQ(HttpOptions{}.max_response_bytes, 64u * 1024 * 1024);
}

}  // namespace
}  // namespace tokenflow::http
