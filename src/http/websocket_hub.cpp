#include "http/websocket_hub.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "codec/json_writer.hpp"
#include "http/stream_request.hpp"

namespace tokenflow::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

struct Pushed {
  std::shared_ptr<const std::string> message;
  std::size_t hash;
};
using PushCache = std::unordered_map<core::Address, Pushed, core::AddressHash>;

// What changes decide a push: the figures, not "as_of" (which moves with every event).
std::size_t figures_hash(const std::string& body) {
  const auto at = body.find("\"windows\"");
  return std::hash<std::string_view>{}(at == std::string::npos ? std::string_view(body)
                                                               : std::string_view(body).substr(at));
}

std::string typed(std::string_view type, const std::string& body) {
  std::string out = "{\"type\":\"";
  out.append(type);
  out.append("\",");
  out.append(body, 1, std::string::npos);  // the body's own fields, after its '{'
  return out;
}

}  // namespace

class WebSocketSession;

struct WebSocketHub::Impl : std::enable_shared_from_this<WebSocketHub::Impl> {
  Impl(asio::io_context& io, WebSocketOptions o, PushSource s)
      : options(o), source(std::move(s)), strand(asio::make_strand(io)), timer(strand) {}

  void tick();
  void arm() {
    timer.expires_after(options.push_interval);
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->stopped) self->tick();
    });
  }
  // Subscription counts, for the set of tokens the next tick must compute.
  void count(const core::Address& token, int delta) {
    std::lock_guard lock(mutex);
    if ((subscribers[token] += delta) <= 0) subscribers.erase(token);
  }
  void count_all(int delta) {
    std::lock_guard lock(mutex);
    all_subscribers += delta;
  }

  WebSocketOptions options;
  PushSource source;
  WebSocketProbe probe;
  asio::strand<asio::io_context::executor_type> strand;
  asio::steady_timer timer;
  std::atomic<bool> stopped{false};
  std::uint64_t last_version = UINT64_MAX;

  std::mutex mutex;  // guards what follows
  std::unordered_map<core::Address, int, core::AddressHash> subscribers;
  int all_subscribers = 0;
  std::unordered_map<const WebSocketSession*, std::weak_ptr<WebSocketSession>> sessions;
};

// One client. Everything but the constructor runs on the socket's strand.
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket socket, std::shared_ptr<WebSocketHub::Impl> hub)
      : ws_(std::move(socket)), hub_(std::move(hub)) {}

  void start(Request request) {
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(10);
    timeout.idle_timeout = hub_->options.idle_timeout;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(hub_->options.max_message_bytes);
    ws_.text(true);
    ws_.async_accept(request, [self = shared_from_this(), request](beast::error_code ec) {
      if (ec) return;
      self->hub_->probe.connections.add();
      self->hub_->probe.clients.set(self->hub_->probe.clients.get() + 1);
      {
        std::lock_guard lock(self->hub_->mutex);
        self->hub_->sessions[self.get()] = self;
      }
      self->registered_ = true;
      self->read();
    });
  }

  ~WebSocketSession() {
    if (!registered_) return;
    {
      std::lock_guard lock(hub_->mutex);
      hub_->sessions.erase(this);
      hub_->all_subscribers -= all_ ? 1 : 0;
      for (const auto& [token, hash] : subscribed_) {
        if ((hub_->subscribers[token] -= 1) <= 0) hub_->subscribers.erase(token);
      }
    }
    hub_->probe.clients.set(hub_->probe.clients.get() - 1);
  }

  // From the push timer: queue updates for this client's tokens that changed.
  void push(std::shared_ptr<const PushCache> cache) {
    asio::post(ws_.get_executor(), [self = shared_from_this(), cache] {
      if (self->all_) {
        for (const auto& [token, pushed] : *cache) self->offer(token, pushed);
      } else {
        for (const auto& [token, hash] : self->subscribed_) {
          auto it = cache->find(token);
          if (it != cache->end()) self->offer(token, it->second);
        }
      }
    });
  }

  void shutdown() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->close(websocket::close_code::going_away, "the server is stopping");
    });
  }

 private:
  void offer(const core::Address& token, const Pushed& pushed) {
    std::size_t& last = last_sent_[token];
    if (last == pushed.hash) return;
    last = pushed.hash;
    send(pushed.message);
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;  // closed, timed out or broken: the session ends with its handlers
      self->handle(beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void error(std::string_view sentence) {
    hub_->probe.bad_requests.add();
    std::string out = "{\"type\":\"error\",\"error\":";
    codec::append_json_string(out, sentence);
    out.push_back('}');
    send(std::make_shared<const std::string>(std::move(out)));
  }

  void handle(const std::string& text) {
    auto request = parse_stream_request(text, parser_);
    if (!request.ok()) return error(request.error().message);
    const bool subscribe = request->subscribe;
    const bool star = request->all;
    const std::vector<core::Address>& named = request->tokens;
    std::string ack = subscribe ? "{\"type\":\"subscribed\",\"tokens\":[" : "{\"type\":\"unsubscribed\",\"tokens\":[";
    bool first = true;
    auto acknowledge = [&](std::string_view t) {
      if (!first) ack.push_back(',');
      first = false;
      codec::append_json_string(ack, t);
    };
    if (star) {
      acknowledge("*");
      if (subscribe != all_) hub_->count_all(subscribe ? 1 : -1);
      all_ = subscribe;
    }
    for (const auto& token : named) {
      acknowledge(token.to_string());
      if (subscribe) {
        if (subscribed_.emplace(token, 0).second) hub_->count(token, 1);
      } else if (subscribed_.erase(token) > 0) {
        hub_->count(token, -1);
        last_sent_.erase(token);
      }
    }
    ack.append("]}");
    send(std::make_shared<const std::string>(std::move(ack)));
    if (!subscribe) return;
    // The snapshot: the current answer of every token just subscribed, at once.
    std::vector<core::Address> snapshot = named;
    if (star) snapshot = hub_->source.all_tokens();
    std::string body, why;
    for (const auto& token : snapshot) {
      switch (hub_->source.snapshot(token, body, why)) {
        case Snapshot::found:
          last_sent_[token] = figures_hash(body);
          send(std::make_shared<const std::string>(typed("snapshot", body)));
          break;
        case Snapshot::elsewhere: {
          std::string out = "{\"type\":\"redirect\",\"token\":\"" + token.to_string() + "\",\"url\":";
          codec::append_json_string(out, stream_url_of(why));
          out.append(",\"error\":");
          codec::append_json_string(out, "token " + token.to_string() +
                                             " is held by another instance: subscribe there");
          out.push_back('}');
          send(std::make_shared<const std::string>(std::move(out)));
          break;
        }
        case Snapshot::missing: {
          std::string out = "{\"type\":\"snapshot\",\"token\":\"" + token.to_string() + "\",\"error\":";
          codec::append_json_string(out, why);
          out.push_back('}');
          send(std::make_shared<const std::string>(std::move(out)));
          break;
        }
      }
    }
  }

  void send(std::shared_ptr<const std::string> message) {
    if (closing_) return;
    if (queue_.size() >= hub_->options.max_queued_messages) {
      hub_->probe.slow_closes.add();
      // Drop what waits, but not the message being written (its completion pops it).
      queue_.erase(writing_ ? queue_.begin() + 1 : queue_.begin(), queue_.end());
      return close(websocket::close_code::policy_error,
                   "client too slow: " + std::to_string(hub_->options.max_queued_messages) +
                       " messages queued");
    }
    hub_->probe.pushed.add();
    queue_.push_back(std::move(message));
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty()) {
      writing_ = false;
      if (close_pending_) do_close();
      return;
    }
    writing_ = true;
    auto message = queue_.front();
    ws_.async_write(asio::buffer(*message),
                    [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                      if (ec) {
                        self->closing_ = true;
                        return;
                      }
                      self->queue_.pop_front();
                      self->write_next();
                    });
  }

  void close(websocket::close_code code, std::string reason) {
    if (closing_) return;
    closing_ = true;
    close_reason_ = websocket::close_reason(code, reason);
    close_pending_ = true;
    if (!writing_) do_close();
  }

  void do_close() {
    close_pending_ = false;
    writing_ = true;  // nothing else is written after the close frame
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {});
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<WebSocketHub::Impl> hub_;
  beast::flat_buffer buffer_;
  simdjson::dom::parser parser_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::unordered_map<core::Address, int, core::AddressHash> subscribed_;
  std::unordered_map<core::Address, std::size_t, core::AddressHash> last_sent_;
  websocket::close_reason close_reason_;
  bool all_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_pending_ = false;
  bool registered_ = false;
};

void WebSocketHub::Impl::tick() {
  const std::uint64_t version = source.version();
  if (version != last_version) {
    last_version = version;
    std::vector<core::Address> tokens;
    std::vector<std::shared_ptr<WebSocketSession>> live;
    bool all = false;
    {
      std::lock_guard lock(mutex);
      all = all_subscribers > 0;
      if (!all) {
        for (const auto& [token, n] : subscribers) tokens.push_back(token);
      }
      for (const auto& [key, weak] : sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
    }
    if (!live.empty()) {
      if (all) tokens = source.all_tokens();
      auto cache = std::make_shared<PushCache>();
      std::string body, why;
      for (const auto& token : tokens) {
        if (source.snapshot(token, body, why) != Snapshot::found) continue;
        (*cache)[token] = {std::make_shared<const std::string>(typed("update", body)),
                           figures_hash(body)};
      }
      std::shared_ptr<const PushCache> shared = std::move(cache);
      for (auto& session : live) session->push(shared);
    }
  }
  arm();
}

std::string stream_url_of(std::string_view base) {
  std::string url;
  if (base.starts_with("https://")) {
    url = "wss://" + std::string(base.substr(8));
  } else if (base.starts_with("http://")) {
    url = "ws://" + std::string(base.substr(7));
  } else {
    url = std::string(base);
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/v1/stream";
}

WebSocketHub::WebSocketHub(asio::io_context& io, WebSocketOptions options, PushSource source)
    : impl_(std::make_shared<Impl>(io, options, std::move(source))) {}

WebSocketHub::~WebSocketHub() { stop(); }

void WebSocketHub::start() {
  asio::post(impl_->strand, [impl = impl_] { impl->arm(); });
}

void WebSocketHub::stop() {
  if (impl_->stopped.exchange(true)) return;
  asio::post(impl_->strand, [impl = impl_] { impl->timer.cancel(); });
  std::vector<std::shared_ptr<WebSocketSession>> live;
  {
    std::lock_guard lock(impl_->mutex);
    for (const auto& [key, weak] : impl_->sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->shutdown();
}

void WebSocketHub::accept(tcp::socket socket, Request request) {
  std::make_shared<WebSocketSession>(std::move(socket), impl_)->start(std::move(request));
}

const WebSocketProbe& WebSocketHub::probe() const { return impl_->probe; }

void respond_and_close(tcp::socket socket, Response response) {
  response.keep_alive(false);
  response.prepare_payload();
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  auto shared = std::make_shared<Response>(std::move(response));
  stream->expires_after(std::chrono::seconds(10));
  boost::beast::http::async_write(*stream, *shared,
                                  [stream, shared](beast::error_code, std::size_t) {
                                    beast::error_code ignored;
                                    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                                  });
}

}  // namespace tokenflow::http
