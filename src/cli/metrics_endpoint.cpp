#include "cli/metrics_endpoint.hpp"

#include <spdlog/spdlog.h>

#include "http/http_server.hpp"
#include "http/prometheus.hpp"

namespace tokenflow::cli {

void add_metrics_flags(CLI::App& command, MetricsFlags& flags) {
  command
      .add_option("--metrics-port", flags.port,
                  "Serve Prometheus metrics on this port (/metrics, /healthz, /readyz); off "
                  "unless set; 0 picks a free port")
      ->envname("METRICS_PORT")
      ->check(CLI::Range(0, 65535));
  command.add_option("--metrics-address", flags.address, "Address the metrics server binds")
      ->capture_default_str();
}

core::Result<std::unique_ptr<http::HttpServer>> start_metrics_endpoint(const MetricsFlags& flags,
                                                                       const std::string& role,
                                                                       MetricsSource source) {
  if (flags.port < 0) return std::unique_ptr<http::HttpServer>();
  http::HttpServerOptions options;
  options.address = flags.address;
  options.port = static_cast<std::uint16_t>(flags.port);
  options.name = role + " metrics";
  auto server = std::make_unique<http::HttpServer>(
      options, [source = std::move(source)](const http::Request& request, const http::ClientInfo&) {
        const auto target = request.target();
        if (target == "/metrics") {
          return http::make_response(request, 200, http::kPrometheusContentType, source.text());
        }
        if (target == "/healthz") return http::make_response(request, 200, "text/plain", "ok\n");
        if (target == "/readyz") {
          return source.ready() ? http::make_response(request, 200, "text/plain", "ready\n")
                                : http::make_error(request, 503, source.not_ready_reason);
        }
        return http::make_error(request, 404, "no such endpoint; try /metrics");
      });
  if (auto started = server->start(); !started.ok()) {
    return core::Error{started.error().code, "--metrics-port: " + started.error().message};
  }
  spdlog::info("{}: metrics at http://{}:{}/metrics", role, flags.address, server->port());
  return server;
}

}  // namespace tokenflow::cli
