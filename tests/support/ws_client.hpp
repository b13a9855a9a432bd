// WsClient: a WebSocket client for tests (Boost.Beast) whose reads never block the test: one
// io thread reads every message into a queue; next() waits on the queue with a timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tokenflow::testing {

class WsClient {
 public:
  // Connects to 127.0.0.1:port at `path`, with `key` as a bearer token when not empty; throws
  // when the handshake is refused.
  WsClient(int port, const std::string& key, const std::string& path = "/v1/stream");
  // Connects to a ws://host:port/path URL (a redirect message's).
  static std::unique_ptr<WsClient> to_url(const std::string& url, const std::string& key = "");
  ~WsClient();
  void send(const std::string& text);
  // The next message, or "" when none arrives within `timeout`.
  std::string next(std::chrono::milliseconds timeout);
  // Messages until one contains `needle` (returned), or "" after `timeout`.
  std::string until(const std::string& needle, std::chrono::milliseconds timeout);
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  void read();

  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> messages_;
  std::vector<std::string> seen_;
};

}  // namespace tokenflow::testing
