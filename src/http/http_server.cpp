#include "http/http_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <optional>

#include <spdlog/spdlog.h>

#include "codec/json_writer.hpp"
#include "core/errc.hpp"

namespace tokenflow::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// One connection: read a request, answer it, repeat while the client keeps it alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<const Handler> handler,
          std::shared_ptr<const UpgradeHandler> on_upgrade, const HttpServerOptions& options)
      : stream_(std::move(socket)),
        handler_(std::move(handler)),
        on_upgrade_(std::move(on_upgrade)),
        max_request_bytes_(options.max_request_bytes),
        idle_timeout_(options.idle_timeout) {
    beast::error_code ignored;
    auto endpoint = stream_.socket().remote_endpoint(ignored);
    if (!ignored) client_.address = endpoint.address().to_string();
  }

  void start() {
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this()] { self->read(); });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(max_request_bytes_);
    parser_->header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(max_request_bytes_, 16 * 1024)));
    stream_.expires_after(idle_timeout_);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    if (ec) {
      // A request we cannot parse or that is too large: say so, then close.
      Request request;
      request.version(11);
      const bool too_large =
          ec == bhttp::error::body_limit || ec == bhttp::error::header_limit;
      auto response = make_error(request, too_large ? 413 : 400,
                                 too_large ? "the request is larger than this server accepts"
                                           : "the request is not valid HTTP/1.1");
      response.keep_alive(false);
      return write(std::move(response));
    }
    Request request = parser_->release();
    if (beast::websocket::is_upgrade(request) && on_upgrade_ && *on_upgrade_) {
      stream_.expires_never();
      (*on_upgrade_)(stream_.release_socket(), std::move(request), client_);
      return;
    }
    Response response;
    try {
      response = (*handler_)(request, client_);
    } catch (const std::exception& e) {
      spdlog::error("http: handler failed on {} {}: {}", std::string(request.method_string()),
                    std::string(request.target()), e.what());
      response = make_error(request, 500, "the server failed to answer; see its log");
    }
    write(std::move(response));
  }

  void write(Response response) {
    // One response in flight per connection: it lives in the session, not in an allocation
    // of its own.
    response_ = std::move(response);
    response_.prepare_payload();
    stream_.expires_after(idle_timeout_);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec || !self->response_.keep_alive()) return self->close();
                         self->read();
                       });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Response response_;
  std::shared_ptr<const Handler> handler_;
  std::shared_ptr<const UpgradeHandler> on_upgrade_;
  std::size_t max_request_bytes_;
  std::chrono::milliseconds idle_timeout_;
  ClientInfo client_;
};

}  // namespace

HttpServer::HttpServer(HttpServerOptions options, Handler handler, UpgradeHandler on_upgrade)
    : options_(std::move(options)),
      handler_(std::make_shared<const Handler>(std::move(handler))),
      on_upgrade_(std::make_shared<const UpgradeHandler>(std::move(on_upgrade))),
      acceptor_(asio::make_strand(io_)) {}

HttpServer::~HttpServer() { stop(); }

core::Result<void> HttpServer::start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.address, ec);
  if (ec) {
    return core::make_error(core::errc::io_error,
                            options_.name + ": '" + options_.address + "' is not an IP address");
  }
  const tcp::endpoint endpoint(address, options_.port);
  auto fail = [&](const char* what) {
    return core::make_error(core::errc::io_error,
                            options_.name + ": cannot " + what + " " + options_.address + ":" +
                                std::to_string(options_.port) + ": " + ec.message());
  };
  acceptor_.open(endpoint.protocol(), ec);
  if (ec) return fail("open a socket for");
  acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  acceptor_.bind(endpoint, ec);
  if (ec) return fail("listen on");
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  port_ = acceptor_.local_endpoint(ec).port();
  spdlog::info("{}: listening on http://{}:{}", options_.name, options_.address, port_);
  accept();
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
  return {};
}

void HttpServer::accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<HttpSession>(std::move(socket), handler_, on_upgrade_, options_)->start();
    } else {
      spdlog::warn("{}: accepting a connection: {}", options_.name, ec.message());
    }
    accept();
  });
}

void HttpServer::stop() {
  if (threads_.empty()) return;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

Response make_response(const Request& request, unsigned status, std::string_view content_type,
                       std::string body) {
  Response response{static_cast<bhttp::status>(status), request.version()};
  response.set(bhttp::field::server, "tokenflow");
  response.set(bhttp::field::content_type,
               beast::string_view(content_type.data(), content_type.size()));
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  return response;
}

Response make_error(const Request& request, unsigned status, std::string_view sentence) {
  std::string body = "{\"error\":";
  codec::append_json_string(body, sentence);
  body.append("}\n");
  return make_response(request, status, "application/json", std::move(body));
}

}  // namespace tokenflow::http
