#include "http/websocket_feed.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace tokenflow::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

class FeedSession;

struct WebSocketFeed::Impl : std::enable_shared_from_this<WebSocketFeed::Impl> {
  Impl(asio::io_context& io, std::chrono::milliseconds i, Source s)
      : interval(i), source(std::move(s)), strand(asio::make_strand(io)), timer(strand) {}
  void arm();
  void tick();

  std::chrono::milliseconds interval;
  Source source;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  std::atomic<bool> stopped{false};
  mutable std::mutex mutex;  // guards sessions and last
  std::unordered_map<const FeedSession*, std::weak_ptr<FeedSession>> sessions;
  std::shared_ptr<const std::string> last;
};

// One client. Everything but the constructor runs on the socket's strand.
class FeedSession : public std::enable_shared_from_this<FeedSession> {
 public:
  FeedSession(tcp::socket socket, std::shared_ptr<WebSocketFeed::Impl> feed)
      : ws_(std::move(socket)), feed_(std::move(feed)) {}

  ~FeedSession() {
    std::lock_guard lock(feed_->mutex);
    feed_->sessions.erase(this);
  }

  void start(Request request) {
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout = std::chrono::seconds(60);
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(4096);
    ws_.text(true);
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      std::shared_ptr<const std::string> current;
      {
        std::lock_guard lock(self->feed_->mutex);
        self->feed_->sessions[self.get()] = self;
        current = self->feed_->last;
      }
      self->read();
      // The newest document at once, so the page fills without waiting for a change.
      if (current) self->offer(std::move(current));
    });
  }

  // Any thread: the newest document; sent after the one being written, if any.
  void offer(std::shared_ptr<const std::string> document) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), document = std::move(document)] {
      self->pending_ = document;
      if (!self->writing_) self->write_next();
    });
  }

  void shutdown() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->closing_) return;
      self->closing_ = true;
      self->ws_.async_close(websocket::close_code::going_away, [self](beast::error_code) {});
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // closed, timed out or broken: the session ends with its handlers
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void write_next() {
    if (!pending_ || closing_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    auto document = std::move(pending_);
    pending_.reset();
    ws_.async_write(asio::buffer(*document),
                    [self = shared_from_this(), document](beast::error_code ec, std::size_t) {
                      if (ec) {
                        self->closing_ = true;
                        return;
                      }
                      self->write_next();
                    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<WebSocketFeed::Impl> feed_;
  beast::flat_buffer buffer_;
  std::shared_ptr<const std::string> pending_;
  bool writing_ = false;
  bool closing_ = false;
};

void WebSocketFeed::Impl::arm() {
  timer.expires_after(interval);
  timer.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec && !self->stopped) self->tick();
  });
}

void WebSocketFeed::Impl::tick() {
  auto document = source();
  std::vector<std::shared_ptr<FeedSession>> live;
  {
    std::lock_guard lock(mutex);
    if (!document || document == last) {
      arm();
      return;
    }
    last = document;
    for (const auto& [key, weak] : sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& session : live) session->offer(document);
  arm();
}

WebSocketFeed::WebSocketFeed(asio::io_context& io, std::chrono::milliseconds interval,
                             Source source)
    : impl_(std::make_shared<Impl>(io, interval, std::move(source))) {}

WebSocketFeed::~WebSocketFeed() { stop(); }

void WebSocketFeed::start() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->last = impl_->source();
  }
  asio::post(impl_->strand, [impl = impl_] { impl->arm(); });
}

void WebSocketFeed::stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->strand, [impl = impl_] { impl->timer.cancel(); });
  std::vector<std::shared_ptr<FeedSession>> live;
  {
    std::lock_guard lock(impl_->mutex);
    for (const auto& [key, weak] : impl_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->shutdown();
}

void WebSocketFeed::accept(tcp::socket socket, Request request) {
  std::make_shared<FeedSession>(std::move(socket), impl_)->start(std::move(request));
}

std::size_t WebSocketFeed::clients() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sessions.size();
}

}  // namespace tokenflow::http
