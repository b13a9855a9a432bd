#include "http/http_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <gtest/gtest.h>

namespace tokenflow::http {
namespace {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Response answer(const Request& request, const ClientInfo& client) {
  if (request.target() == "/hello") {
    return make_response(request, 200, "text/plain", "hello " + client.address);
  }
  if (request.target() == "/throw") throw std::runtime_error("boom");
  return make_error(request, 404, "no such endpoint");
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.address = "127.0.0.1";
    options.max_request_bytes = 1024;
    server_ = std::make_unique<HttpServer>(options, answer);
    ASSERT_TRUE(server_->start().ok());
    ASSERT_NE(server_->port(), 0);
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  }

  Response exchange(Request request) {
    request.version(11);
    request.set(bhttp::field::host, "localhost");
    request.prepare_payload();
    bhttp::write(socket_, request);
    Response response;
    boost::beast::error_code ec;
    bhttp::read(socket_, buffer_, response, ec);
    EXPECT_FALSE(ec) << ec.message();
    return response;
  }

  std::unique_ptr<HttpServer> server_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  boost::beast::flat_buffer buffer_;
};

TEST_F(HttpServerTest, AnswersWithTheHandlerAndKeepsTheConnectionAlive) {
  Request request{bhttp::verb::get, "/hello", 11};
  auto first = exchange(request);
  EXPECT_EQ(first.result_int(), 200u);
  EXPECT_EQ(first.body(), "hello 127.0.0.1");
  auto second = exchange(Request{bhttp::verb::get, "/nowhere", 11});
  EXPECT_EQ(second.result_int(), 404u);
  EXPECT_EQ(second.body(), "{\"error\":\"no such endpoint\"}\n");
  EXPECT_EQ(second[bhttp::field::content_type], "application/json");
}

TEST_F(HttpServerTest, AHandlerThatThrowsIsA500NotACrash) {
  auto response = exchange(Request{bhttp::verb::get, "/throw", 11});
  EXPECT_EQ(response.result_int(), 500u);
}

TEST_F(HttpServerTest, ARequestOverTheSizeLimitIsRefusedWith413) {
  Request request{bhttp::verb::post, "/hello", 11};
  request.body() = std::string(4096, 'x');
  auto response = exchange(request);
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(HttpServerTest, GarbageIsA400) {
  asio::write(socket_, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  Response response;
  boost::beast::error_code ec;
  bhttp::read(socket_, buffer_, response, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 400u);
}

TEST(HttpServer, ABusyPortIsAClearError) {
  HttpServerOptions options;
  options.address = "127.0.0.1";
  HttpServer first(options, answer);
  ASSERT_TRUE(first.start().ok());
  options.port = first.port();
  HttpServer second(options, answer);
  auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message.find(std::to_string(first.port())), std::string::npos)
      << started.error().message;
}

}  // namespace
}  // namespace tokenflow::http
