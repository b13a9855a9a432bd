// The statistics service's HTTP API, wired from the StatsStore (processors) to the HTTP
// server and WebSocket hub (http): routes, API keys, the per-client rate limit, /metrics.
//
//   GET /v1/tokens/{token}/stats          every window of one token (DESIGN.md's answer)
//   GET /v1/tokens?window=1h&sort=volume&limit=50   top tokens (sort: volume|count|traders)
//   GET /v1/stream                        WebSocket (http/websocket_hub)
//   GET /healthz, /readyz                 liveness; ready once partitions are restored
//   GET /metrics                          Prometheus text
//
// Where a token is comes from the store (the states here holding it) and the directory (those
// of the other instances of the group): a token held by another instance is a 307 to it (a
// WebSocket "redirect" message), one held nowhere a 404, one whose states are split between
// instances or whose owner is silent a 503 naming them. The partitions an answer comes from
// are in the X-Tokenflow-Partitions header ("defi.swaps:3,stablecoin-transfers:3"), not in
// the body, so that the body depends only on the events, never on how they were partitioned.
//
// Errors are {"error":"<sentence>"}: 400 bad parameters, 401 no or wrong API key, 404 unknown
// path or a token with no events, 405, 429, 503.
// /healthz and /readyz need no key and are not rate limited (probes must always get in).
//
// Thread-safe: the server's threads call answer() and upgrade() concurrently.
#pragma once

#include <functional>
#include <memory>

#include "cli/stats_query.hpp"
#include "http/access_control.hpp"
#include "http/http_server.hpp"
#include "http/prometheus.hpp"
#include "http/websocket_hub.hpp"
#include "processors/stats/stats_directory.hpp"
#include "processors/stats/stats_store.hpp"

namespace tokenflow::cli {

class StatsApi {
 public:
  StatsApi(processors::StatsStore& store, http::ApiKeys keys, double rate_limit);

  // Optional parts: readiness and the probes /metrics exports (the benchmarks run without).
  std::function<bool()> ready = [] { return true; };
  std::function<void(http::PrometheusWriter&)> extra_metrics;
  http::WebSocketHub* hub = nullptr;
  processors::StatsDirectory* directory = nullptr;  // none: this instance answers alone
  std::string swaps_topic = "defi.swaps";
  std::string transfers_topic;

  http::Response answer(const http::Request& request, const http::ClientInfo& client);
  // The /metrics body (also served on --metrics-port).
  std::string metrics_text();
  void upgrade(boost::asio::ip::tcp::socket socket, http::Request request,
               const http::ClientInfo& client);
  // The PushSource of the WebSocket hub, made from the store.
  http::PushSource push_source();

  const http::LatencyHistogram& latency() const { return latency_; }

 private:
  http::Response token_stats(const http::Request& request, const core::Address& token);
  // Where the answer for one token is: here (body set), elsewhere (url), or nowhere (status
  // and sentence). HTTP and WebSocket both use it.
  struct Resolution {
    enum Kind { answer, redirect, failure } kind = failure;
    std::string body;        // answer
    std::string partitions;  // answer: the X-Tokenflow-Partitions value
    std::string url;         // redirect: the owner's advertised URL
    unsigned status = 404;   // failure
    std::string error;       // redirect and failure: a sentence
  };
  Resolution resolve(const core::Address& token);
  std::string describe(const processors::Location& location) const;
  const std::string& topic_of(processors::Input input) const;
  http::Response top_tokens(const http::Request& request, const StatsQuery& query);
  http::Response metrics(const http::Request& request);

  processors::StatsStore& store_;
  http::ApiKeys keys_;
  http::RateLimiter limiter_;
  http::LatencyHistogram latency_;
  kafka::Counter requests_{"tokenflow_http_requests_total", "HTTP requests answered"};
  kafka::Counter unauthorized_{"tokenflow_http_unauthorized_total", "requests answered 401"};
  kafka::Counter limited_{"tokenflow_http_rate_limited_total", "requests answered 429"};
};

}  // namespace tokenflow::cli
