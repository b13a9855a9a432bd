// WebSocketFeed: one document pushed to every connected client, whenever it changed, at most
// once per interval (the dashboard's /api/stream). A client that is still receiving the
// previous document gets only the newest one after it: a slow client costs one document of
// memory, never a queue. What clients send is read and ignored (pings are answered).
//
// Threads: each session runs on its own strand of the server's io_context, the timer on
// another; `source` is called from the timer's strand and must be thread-safe.
// Lifecycle: construct, start(), accept() from the server's upgrade handler; stop() (or the
// destructor) before the io_context stops.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/http_server.hpp"

namespace tokenflow::http {

class WebSocketFeed {
 public:
  using Source = std::function<std::shared_ptr<const std::string>()>;
  WebSocketFeed(boost::asio::io_context& io, std::chrono::milliseconds interval, Source source);
  ~WebSocketFeed();
  WebSocketFeed(const WebSocketFeed&) = delete;
  WebSocketFeed& operator=(const WebSocketFeed&) = delete;

  void start();
  void stop();
  void accept(boost::asio::ip::tcp::socket socket, Request request);
  std::size_t clients() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tokenflow::http
