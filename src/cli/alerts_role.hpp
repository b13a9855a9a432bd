// AlertsRole: the alert monitor with its rules and webhooks as one object, so that `tokenflow
// alerts` and `tokenflow up` run the same code.
//
// Lifecycle: create() (validates the settings), then run() on one thread until the stop
// signal; monitor() may be read from any thread meanwhile.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/kafka_flags.hpp"
#include "cli/metrics_endpoint.hpp"
#include "core/token_registry.hpp"
#include "processors/alerts/alert_monitor.hpp"
#include "processors/alerts/alert_rules.hpp"
#include "processors/alerts/webhook_sender.hpp"

namespace tokenflow::cli {

struct AlertsFlags {
  KafkaFlags kafka;
  std::string group = "tokenflow-alerts";
  std::string large = "1000000";
  std::string critical = "10000000";
  std::string min_tokens;
  std::vector<std::string> watch;
  std::string watch_file;
  bool no_mints = false;
  bool no_burns = false;
  bool alert_unknown_tokens = false;
  int unknown_decimals = 18;
  std::string registry_file;
  bool prices = false;
  bool no_alerts_topic = false;
  bool no_console = false;
  bool no_color = false;
  std::string webhook_format = "auto";
  int webhook_timeout_ms = 5000;
  int webhook_attempts = 5;
  std::size_t webhook_queue = 10'000;
  int stats_interval_s = 60;
  MetricsFlags metrics;
  int fetch_wait_ms = 5;
  processors::AlertMonitorOptions monitor;
  processors::WebhookOptions webhooks;
};

class AlertsRole {
 public:
  // Logs why and returns nullptr (exit_code set) when the settings are wrong.
  static std::unique_ptr<AlertsRole> create(AlertsFlags flags, const kafka::ClientConfig& config,
                                            int& exit_code);

  core::Result<void> run(const core::StopSignal& stop) { return monitor_->run(stop); }
  processors::AlertMonitor& monitor() { return *monitor_; }
  const processors::AlertMonitor& monitor() const { return *monitor_; }
  // The USD thresholds in force ("1000000" / "10000000"), for people told why nothing fired.
  const std::string& large_threshold() const { return flags_.large; }
  const std::string& critical_threshold() const { return flags_.critical; }

 private:
  AlertsRole() = default;

  AlertsFlags flags_;
  std::optional<core::TokenRegistry> registry_;
  std::unique_ptr<processors::AlertRules> rules_;
  std::unique_ptr<processors::WebhookSender> webhooks_;
  std::unique_ptr<processors::AlertMonitor> monitor_;
};

}  // namespace tokenflow::cli
