// HttpServer: a small Boost.Beast HTTP/1.1 server for the roles' endpoints (/metrics,
// /healthz, the statistics API). Each request is answered by the role's handler; keep-alive
// is honoured; a request over `max_request_bytes` gets 413, a malformed one 400, and a
// connection idle for `idle_timeout` (or a client sending a request slower than that) is
// closed, so a slow or hostile client cannot hold the server.
//
// A WebSocket upgrade request is handed, with its socket, to `on_upgrade` when the role set
// one (and answered 404 otherwise).
//
// Lifecycle: construct, start() (binds and listens; the port is then known), stop() or the
// destructor (closes the listener and every connection and joins the threads). Handlers run
// on the server's threads: they must be thread-safe with respect to the role's state (read
// atomics, take a lock, or hand the work to the owning thread).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"

namespace tokenflow::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct ClientInfo {
  std::string address;  // the peer's IP address, e.g. "127.0.0.1"
};

using Handler = std::function<Response(const Request&, const ClientInfo&)>;
using UpgradeHandler =
    std::function<void(boost::asio::ip::tcp::socket socket, Request request, ClientInfo client)>;

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 0;  // 0: any free port (see HttpServer::port())
  std::size_t max_request_bytes = 64 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  int threads = 1;
  std::string name = "http";  // for log lines: "<name>: listening on ..."
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, Handler handler, UpgradeHandler on_upgrade = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Errors: core::errc::io_error naming the address
  // and port (not an address, already in use, not permitted).
  core::Result<void> start();
  void stop();

  std::uint16_t port() const noexcept { return port_; }
  boost::asio::io_context& io_context() noexcept { return io_; }

 private:
  void accept();

  HttpServerOptions options_;
  std::shared_ptr<const Handler> handler_;
  std::shared_ptr<const UpgradeHandler> on_upgrade_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
};

// A response with `status`, `content_type` and `body`, keep-alive as the request asked.
Response make_response(const Request& request, unsigned status, std::string_view content_type,
                       std::string body);
// {"error":"<sentence>"} with `status` (400, 401, 404, 405, 413, 429, ...).
Response make_error(const Request& request, unsigned status, std::string_view sentence);

}  // namespace tokenflow::http
