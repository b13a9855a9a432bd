// Dashboard: everything the live page shows, gathered on one thread once a second and kept
// as one JSON document (GET /api/overview, and pushed over /api/stream): the cluster's
// topics and consumer groups (ClusterSampler), the newest alerts (RecentAlerts), the dead
// letters (DeadLetterTally), the top tokens from a statistics service (GET
// <stats_url>/v1/tokens), and whatever the process embedding it adds about its roles.
// docs/dashboard.md documents the document's fields.
//
// Lifecycle: create(), start() (the sampling thread), overview() from any thread, stop()
// (or the destructor) joins.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "core/token_registry.hpp"
#include "http/http_client.hpp"
#include "kafka/client_config.hpp"
#include "processors/dashboard/cluster_sampler.hpp"
#include "processors/dashboard/dead_letter_tally.hpp"
#include "processors/dashboard/latest_prices.hpp"
#include "processors/dashboard/recent_alerts.hpp"

namespace tokenflow::processors {

struct DashboardOptions {
  ClusterSamplerOptions cluster;
  std::string alerts_topic = "system.alerts";
  std::string dead_letter_topic = "tokenflow.dlq";
  std::string prices_topic = "market.prices";
  // "no price ticks yet: ..." on the page: what would publish them.
  std::string prices_hint = "run `tokenflow produce prices` or `produce simulate --prices`";
  std::string stats_url;  // "" : no top tokens ("why" says so)
  std::string stats_missing_reason = "no statistics service (--stats-url)";
  std::vector<std::string> windows = {"5m", "1h", "24h"};
  std::size_t top_limit = 10;
  std::chrono::milliseconds interval{1000};
  // "no alerts yet: ..." on the page: what the thresholds are.
  std::string alert_thresholds = "thresholds 1,000,000 / 10,000,000 USD";
  const core::TokenRegistry* registry = nullptr;  // symbols for addresses, when known
  // Appended to the document as "roles": a JSON value the embedding process writes (up: one
  // entry per role with its figures); called on the sampling thread.
  std::function<std::string()> roles_json;
  // Called on the sampling thread after each round (up's retention gate reads the lag).
  std::function<void(const ClusterSampler&)> on_sample;
};

class Dashboard {
 public:
  // Errors: the cluster cannot be reached (no metadata within the admin timeout).
  static core::Result<std::unique_ptr<Dashboard>> create(const kafka::ClientConfig& config,
                                                         DashboardOptions options);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  void start();
  void stop();
  // The newest document (never empty: "{}"-like until the first round).
  std::shared_ptr<const std::string> overview() const;
  std::uint64_t rounds() const { return rounds_.load(std::memory_order_relaxed); }

 private:
  explicit Dashboard(const kafka::ClientConfig& config, DashboardOptions options);
  void loop();
  void round();
  void open_feeds();
  void fetch_top_tokens();
  std::string compose() const;

  kafka::ClientConfig config_;
  DashboardOptions options_;
  std::unique_ptr<ClusterSampler> sampler_;
  std::unique_ptr<RecentAlerts> alerts_;
  std::unique_ptr<DeadLetterTally> dead_letters_;
  std::unique_ptr<LatestPrices> prices_;
  std::string feeds_error_;
  std::string prices_error_;  // the price topic may well not exist: its own error
  http::HttpClient stats_client_;
  struct TopTokens {
    std::string window;
    std::string body;   // the statistics service's answer (validated JSON), or ""
    std::string error;  // why there is none
  };
  std::vector<TopTokens> top_;
  std::chrono::steady_clock::time_point next_top_fetch_{};
  std::string symbols_json_;

  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> overview_;
  std::atomic<std::uint64_t> rounds_{0};
  core::StopSignal stop_;
  std::thread thread_;
};

}  // namespace tokenflow::processors
