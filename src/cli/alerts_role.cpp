#include "cli/alerts_role.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>

#include "cli/command.hpp"
#include "cli/registry_flag.hpp"
#include "cli/topics.hpp"
#include "core/ascii.hpp"

namespace tokenflow::cli {
namespace {

// "1,000,000" and "1_000_000" as people write them -> a Decimal.
bool parse_amount(const std::string& flag, std::string text, std::optional<core::Decimal>& out) {
  std::erase_if(text, [](char c) { return c == ',' || c == '_'; });
  auto value = core::Decimal::parse(text);
  if (!value.ok()) {
    spdlog::error("{}: {}", flag, value.error().message);
    return false;
  }
  out = *value;
  return true;
}

bool load_watch_list(const AlertsFlags& flags, std::vector<core::Address>& out) {
  std::vector<std::string> texts = flags.watch;
  if (!flags.watch_file.empty()) {
    std::ifstream in(flags.watch_file);
    if (!in) {
      spdlog::error("--watch-file: cannot read '{}'", flags.watch_file);
      return false;
    }
    std::string line;
    while (std::getline(in, line)) {
      const auto hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      std::erase_if(line, core::ascii_space);
      if (!line.empty()) texts.push_back(line);
    }
  }
  for (const auto& text : texts) {
    auto address = core::Address::parse(text);
    if (!address.ok()) {
      spdlog::error("watch list: '{}': {}", text, address.error().message);
      return false;
    }
    out.push_back(*address);
  }
  return true;
}

}  // namespace

std::unique_ptr<AlertsRole> AlertsRole::create(AlertsFlags flags,
                                               const kafka::ClientConfig& config,
                                               int& exit_code) {
  exit_code = kExitUsage;
  std::unique_ptr<AlertsRole> role(new AlertsRole());
  role->flags_ = std::move(flags);
  AlertsFlags& f = role->flags_;
  role->registry_ = load_registry(f.registry_file);
  if (!role->registry_) return nullptr;
  const core::TokenRegistry& registry = *role->registry_;
  processors::AlertRulesOptions rules_options;
  std::optional<core::Decimal> large;
  std::optional<core::Decimal> critical;
  if (!parse_amount("--large-transfer", f.large, large) ||
      !parse_amount("--critical-transfer", f.critical, critical) ||
      (!f.min_tokens.empty() &&
       !parse_amount("--min-tokens", f.min_tokens, rules_options.min_tokens)) ||
      !load_watch_list(f, rules_options.watch)) {
    return nullptr;
  }
  rules_options.large_usd = *large;
  rules_options.critical_usd = *critical;
  rules_options.mints = !f.no_mints;
  rules_options.burns = !f.no_burns;
  rules_options.alert_unknown_tokens = f.alert_unknown_tokens;
  rules_options.unknown_decimals = static_cast<std::uint8_t>(f.unknown_decimals);
  if (f.alert_unknown_tokens && !rules_options.min_tokens) {
    spdlog::error("--alert-unknown-tokens needs --min-tokens: unknown tokens have no USD "
                  "price, so only the token-units rule can apply to them");
    return nullptr;
  }
  role->rules_ = std::make_unique<processors::AlertRules>(rules_options, registry);

  f.webhooks.format = f.webhook_format == "slack"     ? processors::WebhookFormat::slack
                          : f.webhook_format == "discord" ? processors::WebhookFormat::discord
                                                              : processors::WebhookFormat::automatic;
  f.webhooks.timeout = std::chrono::milliseconds(f.webhook_timeout_ms);
  f.webhooks.retry.max_attempts = static_cast<std::uint32_t>(f.webhook_attempts);
  f.webhooks.queue_capacity = f.webhook_queue;
  role->webhooks_ = std::make_unique<processors::WebhookSender>(f.webhooks);

  auto& monitor_options = f.monitor;
  monitor_options.prices_topic = f.prices ? std::string(kPricesTopic) : "";
  monitor_options.publish_alerts = !f.no_alerts_topic;
  monitor_options.console = !f.no_console;
  monitor_options.color = !f.no_color && ::isatty(STDOUT_FILENO) == 1 &&
                          std::getenv("NO_COLOR") == nullptr;
  monitor_options.stats_interval = std::chrono::seconds(f.stats_interval_s);
  kafka::ConsumerOptions consumer;
  consumer.group_id = f.group;
  consumer.client_id = "tokenflow-alerts";
  // Alerts are wanted within milliseconds: an empty fetch must not hold new data back.
  consumer.fetch_wait_max_ms = f.fetch_wait_ms;
  role->monitor_ = std::make_unique<processors::AlertMonitor>(
      monitor_options, *role->rules_, *role->registry_, config, consumer, *role->webhooks_);
  exit_code = kExitOk;
  return role;
}

}  // namespace tokenflow::cli
