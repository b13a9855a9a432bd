// WebSocketHub against a real Beast client: acknowledgements, snapshots, and the bounded
// per-client queue ending in a close with a reason instead of unbounded memory.
#include "http/websocket_hub.hpp"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <gtest/gtest.h>

#include <atomic>

namespace tokenflow::http {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

core::Address token(int n) {
  std::array<std::uint8_t, 20> bytes{};
  bytes[0] = static_cast<std::uint8_t>(n + 1);
  return core::Address(bytes);
}

class WebSocketHubTest : public ::testing::Test {
 protected:
  void start(std::size_t max_queued) {
    HttpServerOptions options;
    options.address = "127.0.0.1";
    server_ = std::make_unique<HttpServer>(
        options, [](const Request& r, const ClientInfo&) { return make_error(r, 404, "none"); },
        [this](tcp::socket s, Request r, ClientInfo) { hub_->accept(std::move(s), std::move(r)); });
    PushSource source;
    source.snapshot = [](const core::Address& t, std::string& body, std::string& detail) {
      if (t == token(999)) {
        detail = "no events";
        return Snapshot::missing;
      }
      if (t == token(998)) {
        detail = "http://10.1.2.3:8081";
        return Snapshot::elsewhere;
      }
      body = "{\"token\":\"" + t.to_string() + "\",\"windows\":{\"5m\":{\"count\":1}}}";
      return Snapshot::found;
    };
    source.all_tokens = [] {
      std::vector<core::Address> all;
      for (int i = 0; i < 50; ++i) all.push_back(token(i));
      return all;
    };
    source.version = [this] { return version_.load(); };
    WebSocketOptions ws;
    ws.push_interval = std::chrono::milliseconds(20);
    ws.max_queued_messages = max_queued;
    hub_ = std::make_unique<WebSocketHub>(server_->io_context(), ws, source);
    ASSERT_TRUE(server_->start().ok());
    hub_->start();
    ws_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    ws_.handshake("127.0.0.1", "/v1/stream");
  }
  void TearDown() override {
    beast::error_code ignored;
    ws_.next_layer().socket().close(ignored);
    if (hub_) hub_->stop();
    if (server_) server_->stop();
  }
  std::string read() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

  std::atomic<std::uint64_t> version_{1};
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<WebSocketHub> hub_;
  asio::io_context io_;
  websocket::stream<beast::tcp_stream> ws_{io_};
};

TEST_F(WebSocketHubTest, AcknowledgesAndSendsSnapshotsOrWhyNot) {
  start(64);
  ws_.write(asio::buffer("{\"op\":\"subscribe\",\"tokens\":[\"" + token(1).to_string() + "\",\"" +
                         token(999).to_string() + "\"]}"));
  EXPECT_NE(read().find("\"type\":\"subscribed\""), std::string::npos);
  const auto first = read();
  EXPECT_EQ(first.rfind("{\"type\":\"snapshot\",\"token\":\"" + token(1).to_string(), 0), 0u) << first;
  const auto second = read();
  EXPECT_NE(second.find("\"error\":\"no events\""), std::string::npos) << second;
  ws_.write(asio::buffer(std::string("{\"op\":\"subscribe\",\"tokens\":[\"0xnope\"]}")));
  EXPECT_NE(read().find("\"type\":\"error\""), std::string::npos);
  EXPECT_EQ(hub_->probe().bad_requests.get(), 1u);
}

TEST_F(WebSocketHubTest, ATokenHeldElsewhereGetsARedirectToItsOwnersStream) {
  start(64);
  ws_.write(asio::buffer("{\"op\":\"subscribe\",\"tokens\":[\"" + token(998).to_string() + "\"]}"));
  EXPECT_NE(read().find("\"type\":\"subscribed\""), std::string::npos);
  const auto redirect = read();
  EXPECT_EQ(redirect.rfind("{\"type\":\"redirect\",\"token\":\"" + token(998).to_string() +
                               "\",\"url\":\"ws://10.1.2.3:8081/v1/stream\"",
                           0),
            0u)
      << redirect;
}

TEST(StreamUrl, FollowsTheSchemeOfTheBaseUrl) {
  EXPECT_EQ(stream_url_of("http://a:1"), "ws://a:1/v1/stream");
  EXPECT_EQ(stream_url_of("https://a.example/"), "wss://a.example/v1/stream");
}

TEST_F(WebSocketHubTest, AClientFallingBehindIsClosedWithAReason) {
  // 50 snapshots queued at once against a bound of 8: the hub closes rather than buffer.
  start(8);
  ws_.write(asio::buffer(std::string("{\"op\":\"subscribe\",\"tokens\":[\"*\"]}")));
  beast::error_code ec;
  for (int i = 0; i < 100 && !ec; ++i) {
    beast::flat_buffer buffer;
    ws_.read(buffer, ec);
  }
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws_.reason().code, websocket::close_code::policy_error);
  EXPECT_NE(std::string(ws_.reason().reason.c_str()).find("client too slow"), std::string::npos);
  EXPECT_EQ(hub_->probe().slow_closes.get(), 1u);
}

}  // namespace
}  // namespace tokenflow::http
