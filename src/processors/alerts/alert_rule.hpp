// The alert rules of DESIGN.md and their severities. A transfer over both USD thresholds
// fires `critical` only; `large` also covers the plain token-units rule (--min-tokens), so
// one transfer gets at most one size alert; mint and burn fire at any size; `watch` fires
// when the transfer touches a watched address.
#pragma once

#include <cstdint>
#include <string_view>

namespace tokenflow::processors {

enum class AlertRule : std::uint8_t { large, critical, mint, burn, watch };
inline constexpr std::size_t kAlertRuleCount = 5;

enum class Severity : std::uint8_t { info, warning, critical };

constexpr std::string_view rule_name(AlertRule rule) {
  switch (rule) {
    case AlertRule::large: return "large";
    case AlertRule::critical: return "critical";
    case AlertRule::mint: return "mint";
    case AlertRule::burn: return "burn";
    case AlertRule::watch: return "watch";
  }
  return "unknown";
}

constexpr Severity severity_of(AlertRule rule) {
  switch (rule) {
    case AlertRule::critical: return Severity::critical;
    case AlertRule::large:
    case AlertRule::watch: return Severity::warning;
    case AlertRule::mint:
    case AlertRule::burn: return Severity::info;
  }
  return Severity::info;
}

constexpr std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::critical: return "critical";
  }
  return "info";
}

}  // namespace tokenflow::processors
