#include "cli/dashboard_role.hpp"

#include <spdlog/spdlog.h>

#include "http/access_control.hpp"
#include "http/static_assets.hpp"
#include "http/websocket_hub.hpp"

namespace tokenflow::cli {

bool parse_group_spec(const std::string& text, processors::GroupSpec& out) {
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 >= text.size()) return false;
  out.name = text.substr(0, equals);
  out.topics.clear();
  std::string_view rest = std::string_view(text).substr(equals + 1);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto topic = rest.substr(0, comma);
    if (topic.empty()) return false;
    out.topics.emplace_back(topic);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return !out.topics.empty();
}

core::Result<std::unique_ptr<DashboardRole>> DashboardRole::create(
    const kafka::ClientConfig& config, processors::DashboardOptions options) {
  std::unique_ptr<DashboardRole> role(new DashboardRole());
  role->interval_ = options.interval;
  auto dashboard = processors::Dashboard::create(config, std::move(options));
  if (!dashboard.ok()) return std::move(dashboard).error();
  role->dashboard_ = std::move(dashboard).value();
  role->dashboard_->start();
  return role;
}

DashboardRole::~DashboardRole() {
  detach();
  if (dashboard_) dashboard_->stop();
}

bool DashboardRole::handles(std::string_view path) {
  return path == "/" || path.starts_with("/api/") || http::find_web_asset(path) != nullptr;
}

http::Response DashboardRole::answer(const http::Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = http::target_path(target);
  if (request.method() != boost::beast::http::verb::get &&
      request.method() != boost::beast::http::verb::head) {
    return http::make_error(request, 405, "the dashboard answers GET only");
  }
  if (path == "/api/overview") {
    auto response = http::make_response(request, 200, "application/json", *dashboard_->overview());
    response.set(boost::beast::http::field::cache_control, "no-store");
    return response;
  }
  if (path == "/api/stream") {
    return http::make_error(request, 426, "/api/stream is a WebSocket: send an Upgrade request");
  }
  if (const auto* asset = http::find_web_asset(path)) {
    auto response = http::make_response(request, 200, asset->content_type, std::string(asset->body));
    response.set(boost::beast::http::field::cache_control, "no-cache");
    return response;
  }
  return http::make_error(request, 404,
                          "no such dashboard path: " + std::string(path) +
                              " (try /, /api/overview or the WebSocket /api/stream)");
}

void DashboardRole::upgrade(boost::asio::ip::tcp::socket socket, http::Request request) {
  const std::string_view target(request.target().data(), request.target().size());
  if (feed_ == nullptr || http::target_path(target) != "/api/stream") {
    return http::respond_and_close(
        std::move(socket), http::make_error(request, 404, "the dashboard's WebSocket is /api/stream"));
  }
  feed_->accept(std::move(socket), std::move(request));
}

void DashboardRole::attach(http::HttpServer& server) {
  feed_ = std::make_unique<http::WebSocketFeed>(server.io_context(), interval_ / 4,
                                                [this] { return dashboard_->overview(); });
  feed_->start();
}

void DashboardRole::detach() {
  if (feed_) feed_->stop();
}

void DashboardRole::close() {
  // The feed's timer belongs to the server's io_context: it goes after the server's threads
  // stopped and before the server is destroyed.
  feed_.reset();
}

}  // namespace tokenflow::cli
