// AlertStatistics: the monitor's running figures: transfers seen, volume per token (exact,
// base units), alerts by rule and token, unknown tokens. The monitor's thread updates its
// own copy per transfer without locks and publishes a snapshot about once a second; the
// /metrics handler and the periodic summary read the snapshot.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/token_registry.hpp"
#include "core/uint256.hpp"
#include "http/prometheus.hpp"
#include "processors/alerts/alert_rule.hpp"

namespace tokenflow::processors {

struct TokenFigures {
  std::uint64_t transfers = 0;
  core::Uint256 volume{};     // base units; saturates at 2^256-1 (volume_saturated says so)
  bool volume_saturated = false;
  std::array<std::uint64_t, kAlertRuleCount> alerts{};
};

class AlertStatistics {
 public:
  explicit AlertStatistics(const core::TokenRegistry& registry);

  // Monitor thread only. `token` nullptr: not in the registry.
  void count_transfer(const core::TokenInfo* token, const core::Uint256& value) {
    auto& figures = token != nullptr ? tokens_[index_of(token)] : unknown_;
    ++figures.transfers;
    if (!figures.volume_saturated && !figures.volume.try_add(value)) {
      figures.volume = core::Uint256::max();
      figures.volume_saturated = true;
    }
  }
  void count_alert(const core::TokenInfo* token, AlertRule rule) {
    auto& figures = token != nullptr ? tokens_[index_of(token)] : unknown_;
    ++figures.alerts[static_cast<std::size_t>(rule)];
  }
  // Copies the figures for readers on other threads.
  void publish();

  // From any thread, on the last published figures:
  // one summary line per token with activity, plus totals ("USDC 1,234 transfers, ...").
  std::vector<std::string> summary_lines(std::size_t max_tokens) const;
  void write_metrics(http::PrometheusWriter& out) const;

 private:
  std::size_t index_of(const core::TokenInfo* token) const {
    return static_cast<std::size_t>(token - registry_.tokens().data());
  }

  const core::TokenRegistry& registry_;
  std::vector<TokenFigures> tokens_;  // by registry index; monitor thread
  TokenFigures unknown_;
  mutable std::mutex mutex_;
  std::vector<TokenFigures> published_;  // guarded by mutex_
  TokenFigures published_unknown_;       // guarded by mutex_
};

}  // namespace tokenflow::processors
