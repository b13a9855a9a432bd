// DashboardRole: the live page and its JSON, so that `tokenflow dashboard` and `tokenflow up`
// serve the same thing. Routes it answers on the caller's HTTP server:
//
//   GET /, /index.html, /dashboard.js, /dashboard.css   the page (web/, compiled in)
//   GET /api/overview                                   the whole document (docs/dashboard.md)
//   GET /api/stream                                     WebSocket: the document, once a second
//                                                       when it changed
//
// Lifecycle: create(), handles()/answer()/upgrade() from the server's threads, attach(server)
// once it started (the feed runs on its io_context), detach() before it stops, close() after
// it stopped and before it is destroyed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cli/kafka_flags.hpp"
#include "http/http_server.hpp"
#include "http/websocket_feed.hpp"
#include "processors/dashboard/dashboard.hpp"

namespace tokenflow::cli {

class DashboardRole {
 public:
  // Errors: the cluster cannot be reached.
  static core::Result<std::unique_ptr<DashboardRole>> create(const kafka::ClientConfig& config,
                                                             processors::DashboardOptions options);
  ~DashboardRole();

  // True for the paths above (the server's other routes go elsewhere).
  static bool handles(std::string_view path);
  http::Response answer(const http::Request& request);
  void upgrade(boost::asio::ip::tcp::socket socket, http::Request request);

  void attach(http::HttpServer& server);
  void detach();
  void close();
  const processors::Dashboard& dashboard() const { return *dashboard_; }

 private:
  DashboardRole() = default;
  std::unique_ptr<processors::Dashboard> dashboard_;
  std::unique_ptr<http::WebSocketFeed> feed_;
  std::chrono::milliseconds interval_{1000};
};

// "name=topic,topic" (a --group flag) -> a GroupSpec; false when it is not one.
bool parse_group_spec(const std::string& text, processors::GroupSpec& out);

}  // namespace tokenflow::cli
