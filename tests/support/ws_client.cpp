#include "support/ws_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

#include <future>
#include <memory>
#include <stdexcept>

namespace tokenflow::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

WsClient::WsClient(int port, const std::string& key, const std::string& path) : ws_(io_) {
  beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                                     static_cast<unsigned short>(port)));
  if (!key.empty()) {
    ws_.set_option(websocket::stream_base::decorator([key](websocket::request_type& request) {
      request.set(beast::http::field::authorization, "Bearer " + key);
    }));
  }
  ws_.handshake("127.0.0.1", path);  // throws when refused (401)
  read();
  thread_ = std::thread([this] { io_.run(); });
}

std::unique_ptr<WsClient> WsClient::to_url(const std::string& url, const std::string& key) {
  // ws://127.0.0.1:PORT/path: the tests' servers are all on loopback.
  const std::string prefix = "ws://127.0.0.1:";
  if (url.rfind(prefix, 0) != 0) throw std::runtime_error("not a loopback ws:// URL: " + url);
  const auto slash = url.find('/', prefix.size());
  const int port = std::stoi(url.substr(prefix.size(), slash - prefix.size()));
  return std::make_unique<WsClient>(port, key, slash == std::string::npos ? "/" : url.substr(slash));
}

WsClient::~WsClient() {
  asio::post(io_, [this] {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  });
  thread_.join();
}

void WsClient::send(const std::string& text) {
  std::promise<void> done;
  asio::post(io_, [&] {
    beast::error_code ec;
    ws_.write(asio::buffer(text), ec);  // small messages: a blocking write on the io thread
    done.set_value();
  });
  done.get_future().wait();
}

std::string WsClient::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait_for(lock, timeout, [&] { return !messages_.empty(); })) return "";
  std::string message = std::move(messages_.front());
  messages_.pop_front();
  return message;
}

std::string WsClient::until(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto message =
        next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (message.empty()) return "";
    seen_.push_back(message);
    if (message.find(needle) != std::string::npos) return message;
  }
  return "";
}

void WsClient::read() {
  ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
    if (ec) return;
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(beast::buffers_to_string(buffer_.data()));
    }
    buffer_.consume(buffer_.size());
    ready_.notify_one();
    read();
  });
}

}  // namespace tokenflow::testing
