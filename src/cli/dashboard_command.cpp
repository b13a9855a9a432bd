// `tokenflow dashboard`: the live page against any cluster (DashboardRole), with the top
// tokens from a statistics service elsewhere (--stats-url).
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/dashboard_role.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/stats_role.hpp"
#include "cli/topics.hpp"

namespace tokenflow::cli {
namespace {

struct DashboardFlags {
  KafkaFlags kafka;
  std::string listen = "127.0.0.1:8080";
  std::string stats_url;
  std::vector<std::string> groups = {
      "tokenflow-sink-postgres=stablecoin-transfers", "tokenflow-alerts=stablecoin-transfers",
      "tokenflow-stats=defi.swaps", "tokenflow-sink-price-history=market.prices",
      "tokenflow-sink-redis=market.prices"};
  std::vector<std::string> topics;
  std::string alerts_topic{kAlertsTopic};
  std::string prices_topic{kPricesTopic};
  std::string dead_letter_topic{kDeadLetterTopic};
};

int run_dashboard(DashboardFlags& flags, CommandContext& ctx) {
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  std::string host;
  std::uint16_t port = 0;
  if (!parse_listen("--listen", flags.listen, host, port)) return kExitUsage;
  processors::DashboardOptions options;
  for (const auto& text : flags.groups) {
    processors::GroupSpec spec;
    if (!parse_group_spec(text, spec)) {
      spdlog::error("--group '{}' must be NAME=TOPIC[,TOPIC...], e.g. "
                    "tokenflow-sink-postgres=stablecoin-transfers",
                    text);
      return kExitUsage;
    }
    options.cluster.groups.push_back(std::move(spec));
  }
  options.cluster.topics = flags.topics;
  options.alerts_topic = flags.alerts_topic;
  options.prices_topic = flags.prices_topic;
  options.dead_letter_topic = flags.dead_letter_topic;
  while (!flags.stats_url.empty() && flags.stats_url.back() == '/') flags.stats_url.pop_back();
  options.stats_url = flags.stats_url;
  options.stats_missing_reason = "no statistics service: start the dashboard with --stats-url";
  auto registry = core::TokenRegistry::builtin();
  options.registry = &registry;
  auto role = DashboardRole::create(*config, std::move(options));
  if (!role.ok()) {
    spdlog::error("dashboard: {}", role.error().message);
    return kExitFailure;
  }
  http::HttpServerOptions server_options;
  server_options.address = host;
  server_options.port = port;
  server_options.name = "dashboard";
  DashboardRole& dashboard = **role;
  http::HttpServer server(
      server_options,
      [&dashboard](const http::Request& r, const http::ClientInfo&) {
        return dashboard.answer(r);
      },
      [&dashboard](boost::asio::ip::tcp::socket s, http::Request r, http::ClientInfo) {
        dashboard.upgrade(std::move(s), std::move(r));
      });
  if (auto started = server.start(); !started.ok()) {
    spdlog::error("--listen: {}", started.error().message);
    return kExitUsage;
  }
  dashboard.attach(server);
  spdlog::info("dashboard: open http://{}:{}/ (JSON at /api/overview)",
               host == "0.0.0.0" ? "127.0.0.1" : host, server.port());
  while (ctx.stop.wait_for(std::chrono::milliseconds(200))) {
  }
  dashboard.detach();
  server.stop();
  dashboard.close();
  return kExitOk;
}

}  // namespace

void register_dashboard(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<DashboardFlags>();
  auto* cmd = app.add_subcommand(
      "dashboard",
      "Serve the live dashboard of a cluster: topics and their rates, consumer groups and "
      "their lag, recent alerts, top tokens (from --stats-url) and dead letters");
  add_kafka_flags(*cmd, flags->kafka);
  cmd->add_option("--listen", flags->listen, "HTTP address:port of the page (port 0: any free port)")
      ->envname("DASHBOARD_LISTEN")
      ->capture_default_str();
  cmd->add_option("--stats-url", flags->stats_url,
                  "Base URL of a statistics service (tokenflow stats), e.g. "
                  "http://stats.internal:8080, for the top tokens")
      ->envname("STATS_URL");
  cmd->add_option("--group", flags->groups,
                  "Consumer group to show, as NAME=TOPIC[,TOPIC...] (repeatable; default: "
                  "tokenflow's roles with their default groups)");
  cmd->add_option("--topic", flags->topics, "Topic to show (repeatable; default: every topic)");
  cmd->add_option("--alerts-topic", flags->alerts_topic, "Topic of the alerts shown")
      ->capture_default_str();
  cmd->add_option("--dead-letter-topic", flags->dead_letter_topic, "Dead-letter topic")
      ->capture_default_str();
  cmd->add_option("--prices-topic", flags->prices_topic,
                  "Topic of the price ticks whose latest per asset and source are shown "
                  "(empty: no price table)")
      ->capture_default_str();
  cmd->callback(
      [flags, &ctx] { ctx.action = [flags, &ctx] { return run_dashboard(*flags, ctx); }; });
}

}  // namespace tokenflow::cli
