// WebSocketHub: the `/v1/stream` endpoint. Clients send {"op":"subscribe","tokens":[..]}
// (["*"] for every token) and {"op":"unsubscribe","tokens":[..]}; each subscribe is answered
// at once with a {"type":"snapshot",..} per token, then the hub pushes {"type":"update",..}
// (the same body as the HTTP answer) at most every push_interval, and only for tokens whose
// figures changed since what that client last received. Every (un)subscribe is acknowledged
// with {"type":"subscribed"|"unsubscribed","tokens":[..]}; bad requests get
// {"type":"error","error":".."} and the connection stays open.
//
// A client that reads slower than updates come gets at most max_queued_messages waiting;
// beyond that the hub closes it with code 1008 and the reason "client too slow", so one slow
// client never costs unbounded memory.
//
// Threads: sessions run on their own strands of the server's io_context, the push timer on
// another; the PushSource callbacks are called from any of them and must be thread-safe.
// Lifecycle: construct, start(), accept() from the server's upgrade handler; stop() (or the
// destructor) before the io_context stops.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "http/http_server.hpp"
#include "kafka/metrics.hpp"

namespace tokenflow::http {

// found: `body` is the current answer (a JSON object); elsewhere: another instance answers
// for the token and `detail` is its base URL (http://host:port), to which the client is sent
// with a {"type":"redirect","token":..,"url":"ws://host:port/v1/stream"} message; missing:
// `detail` says why there is no answer.
enum class Snapshot { found, missing, elsewhere };

struct PushSource {
  std::function<Snapshot(const core::Address& token, std::string& body, std::string& detail)>
      snapshot;
  std::function<std::vector<core::Address>()> all_tokens;
  // Changes whenever any answer may have changed (cheap; read every push_interval).
  std::function<std::uint64_t()> version;
};

struct WebSocketOptions {
  std::chrono::milliseconds push_interval{250};
  std::size_t max_queued_messages = 4096;
  std::size_t max_message_bytes = 64 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};  // no frame and no pong for this long
};

struct WebSocketProbe {
  kafka::Counter connections{"tokenflow_ws_connections_total", "WebSocket clients accepted"};
  kafka::Counter pushed{"tokenflow_ws_messages_pushed_total",
                        "snapshot and update messages queued to clients"};
  kafka::Counter slow_closes{"tokenflow_ws_slow_client_closes_total",
                             "clients closed because their queue was full"};
  kafka::Counter bad_requests{"tokenflow_ws_bad_requests_total",
                              "client messages that were not a valid subscribe/unsubscribe"};
  kafka::Gauge clients{"tokenflow_ws_clients", "WebSocket clients connected"};
};

class WebSocketHub {
 public:
  WebSocketHub(boost::asio::io_context& io, WebSocketOptions options, PushSource source);
  ~WebSocketHub();
  WebSocketHub(const WebSocketHub&) = delete;
  WebSocketHub& operator=(const WebSocketHub&) = delete;

  void start();
  void stop();
  // Completes the WebSocket handshake of `request` on `socket` and serves the client.
  void accept(boost::asio::ip::tcp::socket socket, Request request);

  const WebSocketProbe& probe() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The WebSocket endpoint of an instance whose HTTP base URL is `base` (http -> ws, https ->
// wss, "/v1/stream" appended).
std::string stream_url_of(std::string_view base);

// Writes `response` on a socket taken over from the server (an upgrade refused with 401 or
// 429) and closes it.
void respond_and_close(boost::asio::ip::tcp::socket socket, Response response);

}  // namespace tokenflow::http
