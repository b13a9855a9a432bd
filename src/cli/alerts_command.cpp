// `tokenflow alerts`: the alert monitor (processors/alerts/alert_monitor.hpp).
#include <spdlog/spdlog.h>

#include <memory>

#include "cli/alerts_role.hpp"
#include "cli/command.hpp"
#include "cli/http_flags.hpp"
#include "cli/registry_flag.hpp"
#include "http/http_server.hpp"

namespace tokenflow::cli {
namespace {

int run_alerts(AlertsFlags& flags, CommandContext& ctx) {
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  int exit_code = kExitOk;
  auto role = AlertsRole::create(flags, *config, exit_code);
  if (!role) return exit_code;
  processors::AlertMonitor& monitor = role->monitor();

  auto metrics = start_metrics_endpoint(
      flags.metrics, "alerts",
      {[&monitor] { return monitor.metrics_text(); }, [&monitor] { return monitor.ready(); },
       "partitions not assigned yet"});
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    return kExitUsage;
  }
  auto result = role->run(ctx.stop);
  if (!result.ok()) {
    spdlog::error("alerts: {}", result.error().message);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void register_alerts(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<AlertsFlags>();
  auto* cmd = app.add_subcommand(
      "alerts",
      "Alert on large transfers, mints, burns and watched addresses within milliseconds: to "
      "the console, to topic system.alerts (one alert per event and rule, even after a "
      "restart) and to webhooks");
  add_kafka_flags(*cmd, flags->kafka);
  cmd->add_option("--kafka-topic,--topic", flags->monitor.transfers_topic, "Transfers topic")
      ->envname("KAFKA_TOPIC")
      ->capture_default_str();
  cmd->add_option("--kafka-group,--group", flags->group, "Consumer group")
      ->envname("KAFKA_CONSUMER_GROUP")
      ->capture_default_str();
  cmd->add_option("--large-transfer", flags->large,
                  "USD value from which a transfer is large (warning); exact, e.g. 1000000 or "
                  "1,000,000.50")
      ->envname("LARGE_TRANSFER_THRESHOLD")
      ->capture_default_str();
  cmd->add_option("--critical-transfer", flags->critical,
                  "USD value from which a transfer is critical (fires instead of large)")
      ->envname("CRITICAL_TRANSFER_THRESHOLD")
      ->capture_default_str();
  cmd->add_option("--min-tokens", flags->min_tokens,
                  "Also alert (rule large) on transfers of at least this many token units, "
                  "whatever their USD value (off by default)");
  add_registry_flag(*cmd, flags->registry_file,
                    "entries may set their own large_transfer_usd, critical_transfer_usd and "
                    "min_tokens");
  cmd->add_option("--watch", flags->watch,
                  "Address to watch: any transfer from or to it alerts (rule watch); repeatable");
  cmd->add_option("--watch-file", flags->watch_file,
                  "File of addresses to watch, one per line (# comments allowed)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--no-mints", flags->no_mints, "No alert on mints (transfers from 0x0)");
  cmd->add_flag("--no-burns", flags->no_burns, "No alert on burns (transfers to 0x0)");
  cmd->add_flag("--alert-unknown-tokens", flags->alert_unknown_tokens,
                "Apply --min-tokens to tokens not in the registry (decimals from the event, "
                "else --unknown-decimals); they are always counted");
  cmd->add_option("--unknown-decimals", flags->unknown_decimals,
                  "Decimals assumed for unknown tokens whose events carry none")
      ->check(CLI::Range(0, 77))
      ->capture_default_str();
  cmd->add_flag("--prices", flags->prices,
                "Subscribe to market.prices: a price tick replaces a token's registry peg");
  cmd->add_option("--alerts-topic", flags->monitor.alerts_topic, "Topic alerts are published to")
      ->capture_default_str();
  cmd->add_flag("--no-alerts-topic", flags->no_alerts_topic, "Do not publish alerts to Kafka");
  cmd->add_flag("--no-console", flags->no_console, "Do not print alerts on standard output");
  cmd->add_flag("--no-color", flags->no_color,
                "No colours in console alerts (they are off anyway when stdout is not a "
                "terminal, or NO_COLOR is set)");
  cmd->add_option("--webhook", flags->webhooks.urls,
                  "URL to POST each alert to (Slack- or Discord-compatible; Discord is "
                  "recognised by its host); repeatable")
      ->envname("ALERT_WEBHOOK_URL");
  cmd->add_option("--webhook-format", flags->webhook_format, "Payload: auto, slack or discord")
      ->check(CLI::IsMember({"auto", "slack", "discord"}))
      ->capture_default_str();
  cmd->add_option("--webhook-timeout-ms", flags->webhook_timeout_ms, "Timeout of one webhook request")
      ->check(CLI::Range(100, 600'000))
      ->capture_default_str();
  cmd->add_option("--webhook-attempts", flags->webhook_attempts,
                  "Attempts per alert and webhook before it counts as failed (0: no limit)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  add_max_response_bytes_flag(*cmd, flags->webhooks.max_response_bytes, "a webhook");
  cmd->add_option("--webhook-queue", flags->webhook_queue,
                  "Alerts waiting for webhooks before new ones are dropped (and counted): a "
                  "slow webhook never blocks the stream")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cmd->add_option("--stats-interval", flags->stats_interval_s,
                  "Seconds between summary log lines (transfers, alerts by rule and token, "
                  "volume per token); 0: only at exit")
      ->check(CLI::Range(0, 86'400))
      ->capture_default_str();
  add_metrics_flags(*cmd, flags->metrics);
  cmd->add_option("--max-records", flags->monitor.max_records,
                  "Stop after consuming this many messages (then commit and exit 0); 0: never")
      ->envname("KAFKA_MAX_RECORDS")
      ->capture_default_str();
  cmd->add_option_function<int>(
         "--commit-interval-ms",
         [flags](int ms) { flags->monitor.commit_interval = std::chrono::milliseconds(ms); },
         "How often consumed offsets are committed, once the alerts before them are "
         "acknowledged (default 500)")
      ->check(CLI::Range(10, 600'000));
  cmd->add_option("--remembered-alerts", flags->monitor.remembered_alerts,
                  "Alerts read back per system.alerts partition at start and on assignment, "
                  "so events re-read after a crash do not alert twice")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  cmd->add_option("--fetch-wait-ms", flags->fetch_wait_ms,
                  "Longest wait of an empty fetch (fetch.wait.max.ms): lower is faster to "
                  "alert, higher costs fewer requests")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.action = [flags, &ctx] { return run_alerts(*flags, ctx); }; });
}

}  // namespace tokenflow::cli
