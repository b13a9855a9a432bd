#include "processors/alerts/alert_statistics.hpp"

#include <algorithm>

#include "processors/alerts/unit_conversion.hpp"

namespace tokenflow::processors {
namespace {

std::string commas(std::uint64_t n) { return with_thousands_separators(std::to_string(n), 0); }

double to_double(const std::string& decimal) { return std::strtod(decimal.c_str(), nullptr); }

}  // namespace

AlertStatistics::AlertStatistics(const core::TokenRegistry& registry)
    : registry_(registry),
      tokens_(registry.tokens().size()),
      published_(registry.tokens().size()) {}

void AlertStatistics::publish() {
  std::lock_guard lock(mutex_);
  published_ = tokens_;
  published_unknown_ = unknown_;
}

std::vector<std::string> AlertStatistics::summary_lines(std::size_t max_tokens) const {
  std::vector<std::pair<std::size_t, TokenFigures>> active;
  TokenFigures unknown;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < published_.size(); ++i) {
      if (published_[i].transfers > 0) active.emplace_back(i, published_[i]);
    }
    unknown = published_unknown_;
  }
  std::sort(active.begin(), active.end(),
            [](const auto& a, const auto& b) { return a.second.transfers > b.second.transfers; });
  std::vector<std::string> lines;
  for (std::size_t k = 0; k < active.size() && k < max_tokens; ++k) {
    const auto& [index, figures] = active[k];
    const auto& token = registry_.tokens()[index];
    std::string line = token.symbol + " (chain " + std::to_string(token.chain_id) + "): " +
                       commas(figures.transfers) + " transfers, volume " +
                       with_thousands_separators(token_units_text(figures.volume, token.decimals), 2);
    if (figures.volume_saturated) line += " (saturated)";
    std::string alerts;
    for (std::size_t r = 0; r < kAlertRuleCount; ++r) {
      if (figures.alerts[r] == 0) continue;
      alerts += (alerts.empty() ? "" : ", ") + std::string(rule_name(static_cast<AlertRule>(r))) +
                " " + commas(figures.alerts[r]);
    }
    line += alerts.empty() ? ", no alerts" : ", alerts: " + alerts;
    lines.push_back(std::move(line));
  }
  if (active.size() > max_tokens) {
    lines.push_back("... and " + std::to_string(active.size() - max_tokens) + " more tokens");
  }
  if (unknown.transfers > 0) {
    lines.push_back("tokens not in the registry: " + commas(unknown.transfers) + " transfers");
  }
  return lines;
}

void AlertStatistics::write_metrics(http::PrometheusWriter& out) const {
  std::vector<TokenFigures> figures;
  TokenFigures unknown;
  {
    std::lock_guard lock(mutex_);
    figures = published_;
    unknown = published_unknown_;
  }
  const auto& tokens = registry_.tokens();
  auto label_of = [&](std::size_t i) { return tokens[i].symbol + "@" + std::to_string(tokens[i].chain_id); };
  out.counter("tokenflow_alerts_transfers_total", "transfers seen, by token (symbol@chain)",
              unknown.transfers, {{"token", "unknown"}});
  for (std::size_t i = 0; i < figures.size(); ++i) {
    if (figures[i].transfers == 0) continue;
    const auto label = label_of(i);
    out.counter("tokenflow_alerts_transfers_total", "", figures[i].transfers, {{"token", label}});
  }
  for (std::size_t i = 0; i < figures.size(); ++i) {
    if (figures[i].transfers == 0) continue;
    const auto label = label_of(i);
    out.gauge("tokenflow_alerts_volume_tokens",
              "volume seen since start, in token units (exact figures: the summary log line)",
              to_double(token_units_text(figures[i].volume, tokens[i].decimals)),
              {{"token", label}});
  }
  bool any = false;
  auto alert_sample = [&](const std::string& token, const TokenFigures& f) {
    for (std::size_t r = 0; r < kAlertRuleCount; ++r) {
      if (f.alerts[r] == 0) continue;
      any = true;
      out.counter("tokenflow_alerts_fired_total", "alerts fired, by rule and token", f.alerts[r],
                  {{"rule", rule_name(static_cast<AlertRule>(r))}, {"token", token}});
    }
  };
  for (std::size_t i = 0; i < figures.size(); ++i) alert_sample(label_of(i), figures[i]);
  alert_sample("unknown", unknown);
  if (!any) out.counter("tokenflow_alerts_fired_total", "alerts fired, by rule and token", 0);
}

}  // namespace tokenflow::processors
