// The Prometheus endpoint of a long-running role: --metrics-port / --metrics-address, and a
// small HTTP server answering /metrics (the role's text), /healthz and /readyz. Every
// long-running role serves it (`stats` also answers /metrics on its --listen address).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace tokenflow::http {
class HttpServer;
}

namespace tokenflow::cli {

struct MetricsFlags {
  int port = -1;  // off unless set; 0: any free port
  std::string address = "0.0.0.0";
};

void add_metrics_flags(CLI::App& command, MetricsFlags& flags);

// The role's metrics, in the Prometheus text format, and whether it is ready (/readyz).
struct MetricsSource {
  std::function<std::string()> text;
  std::function<bool()> ready;
  std::string not_ready_reason;  // /readyz's 503 body
};

// Null when flags.port is unset. Errors: the port is taken (naming --metrics-port).
core::Result<std::unique_ptr<http::HttpServer>> start_metrics_endpoint(const MetricsFlags& flags,
                                                                       const std::string& role,
                                                                       MetricsSource source);

}  // namespace tokenflow::cli
