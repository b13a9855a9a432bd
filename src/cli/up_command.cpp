// `tokenflow up`: the whole system in one process, with nothing to configure. An embedded
// Kafka-protocol cluster (unless KAFKA_BOOTSTRAP_SERVERS names a real one), the chain
// simulator publishing transfers and swaps, the sink storing transfers (SQLite file unless
// DATABASE_URL names PostgreSQL), the alert monitor, the statistics service and the
// dashboard, each through the same code as its own subcommand (AlertsRole, StatsRole,
// DashboardRole, TransferSink). The statistics API and the dashboard share one address
// (--listen). A live progress line until Ctrl-C, then a summary with a line per role.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "cli/alerts_role.hpp"
#include "cli/command.hpp"
#include "cli/dashboard_role.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/redis_flags.hpp"
#include "cli/retention_gate.hpp"
#include "cli/role_thread.hpp"
#include "cli/stats_role.hpp"
#include "cli/topics.hpp"
#include "cli/up_console.hpp"
#include "cli/up_prices.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "processors/alerts/alert.hpp"
#include "sinks/postgres_store.hpp"
#include "sinks/sqlite_store.hpp"
#include "sinks/event_sink.hpp"
#include "sources/simulate_source.hpp"

namespace tokenflow::cli {
namespace {

// Kafka flags whose bootstrap is empty unless set: the embedded cluster.
KafkaFlags embedded_by_default() {
  KafkaFlags flags;
  flags.bootstrap.clear();
  return flags;
}

struct UpSettings {
  KafkaFlags kafka = embedded_by_default();
  std::string database_url;
  std::string redis_url;
  std::string sqlite_path = "tokenflow.db";
  std::string listen = "127.0.0.1:8080";
  std::string state_dir;  // empty: a fresh temporary directory (embedded cluster)
  double rate = 2000;
  double swap_rate = 200;
  double price_rate = 51;  // a round of the 17 registry tokens from 3 sources a second
  std::uint64_t count = 0;
  int partitions = 12;
  std::uint64_t seed = 1;
  double duplicate_share = 0;
  double malformed_share = 0;
  int progress_interval_ms = 1000;
  bool no_sink = false;
  bool no_alerts = false;
  bool no_stats = false;
  bool quiet_alerts = false;
  bool alert_mints_burns = false;
};

constexpr const char* kSinkGroup = "tokenflow-up-sink";
constexpr const char* kAlertsGroup = "tokenflow-up-alerts";
constexpr const char* kStatsGroup = "tokenflow-up-stats";

std::string rate_text(std::uint64_t now, std::uint64_t before, double seconds) {
  return with_commas(static_cast<std::uint64_t>(static_cast<double>(now - before) / seconds)) +
         "/s";
}

int run_up(const UpSettings& settings, CommandContext& ctx) {
  std::unique_ptr<kafka::EmbeddedCluster> cluster;
  // A Redis URL that cannot work is bad usage, found before anything starts.
  if (!settings.redis_url.empty()) {
    RedisFlags redis;
    redis.url = settings.redis_url;
    if (auto valid = to_redis_store_options(redis, "up"); !valid.ok()) {
      spdlog::error("{}", valid.error().message);
      return kExitUsage;
    }
  }
  // The flags' SASL and -X properties, for a real cluster; the embedded one takes -X only.
  auto configured = to_client_config(settings.kafka);
  if (!configured.ok()) {
    spdlog::error("{}", configured.error().message);
    return kExitUsage;
  }
  kafka::ClientConfig client;
  if (settings.kafka.bootstrap.empty()) {
    auto created = kafka::EmbeddedCluster::create(3);
    if (!created.ok()) {
      spdlog::error("cannot start the embedded cluster: {}", created.error().message);
      return kExitFailure;
    }
    cluster = std::move(created).value();
    for (auto topic : kKnownTopics) {
      const int partitions = topic == kDirectoryTopic ? 1 : settings.partitions;
      if (auto made = cluster->create_topic(std::string(topic), partitions); !made.ok()) {
        spdlog::error("creating topic {}: {}", topic, made.error().message);
        return kExitFailure;
      }
    }
    client = cluster->client_config();
    spdlog::info(
        "up: embedded Kafka cluster at {} (in memory: nothing is kept across restarts; "
        "any Kafka client can connect to it)",
        client.bootstrap_servers);
    if (!settings.kafka.username.empty()) {
      spdlog::warn("up: KAFKA_USERNAME / --kafka-username ignored: the embedded cluster takes "
                   "no SASL (set KAFKA_BOOTSTRAP_SERVERS or KAFKA_BROKERS for a real cluster)");
    }
    client.properties = std::move(kafka::parse_properties(settings.kafka.properties)).value();
  } else {
    client = std::move(configured).value();
    spdlog::info("up: using the Kafka cluster at {}", client.bootstrap_servers);
  }
  const std::string transfers_topic(kTransfersTopic);
  const std::string swaps_topic(kSwapsTopic);

  // The statistics checkpoints belong to the cluster's offsets: an embedded cluster starts
  // empty each time, so its checkpoints go in a directory of this run only.
  std::string state_dir = settings.state_dir;
  bool remove_state_dir = false;
  if (state_dir.empty()) {
    if (cluster) {
      std::string pattern = (std::filesystem::temp_directory_path() / "tokenflow-up-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) {
        spdlog::error("up: cannot create a temporary directory for the statistics' checkpoints");
        return kExitFailure;
      }
      state_dir = pattern;
      remove_state_dir = true;
    } else {
      state_dir = "tokenflow-up-state";
    }
  }
  struct RemoveDir {
    std::string path;
    bool on;
    ~RemoveDir() {
      std::error_code ignored;
      if (on) std::filesystem::remove_all(path, ignored);
    }
  } remove_dir{state_dir, remove_state_dir};

  // The sink.
  sinks::TransferSink::StoreFactory make_store;
  std::unique_ptr<sinks::BatchStore> store;
  std::string destination;
  std::size_t writers = 1;
  if (!settings.no_sink) {
    if (!settings.database_url.empty()) {
      sinks::PostgresStoreOptions options;
      options.url = settings.database_url;
      options.application_name = sinks::sink_application_name(kSinkGroup);
      if (auto valid = sinks::PostgresStore::validate(options); !valid.ok()) {
        spdlog::error("{}", valid.error().message);
        return kExitUsage;
      }
      destination = "PostgreSQL " + sinks::PostgresStore::describe_url(options.url);
      make_store = [options] { return std::make_unique<sinks::PostgresStore>(options); };
      writers = sinks::SinkOptions{}.writers;
    } else {
      sinks::SqliteStoreOptions options;
      options.path = settings.sqlite_path;
      destination = "SQLite file " + settings.sqlite_path + " (set DATABASE_URL for PostgreSQL)";
      // SQLite takes one writer at a time: a second session would only wait for the lock.
      make_store = [options] { return std::make_unique<sinks::SqliteStore>(options); };
    }
    store = make_store();
    if (auto ready = store->connect(); !ready.ok() || !(ready = store->init_schema()).ok()) {
      spdlog::error("up: preparing {}: {}", destination, ready.error().message);
      return kExitFailure;
    }
    spdlog::info("up: sink: storing transfers in {}, table {}", destination, store->table_name());
    // The positions an earlier run stored name offsets of an embedded cluster that is gone:
    // trusted, they would skip the new run's first messages (found running `make up` twice).
    if (cluster) {
      auto forgotten = store->forget_positions();
      if (!forgotten.ok()) {
        spdlog::error("up: preparing {}: {}", destination, forgotten.error().message);
        return kExitFailure;
      }
      if (*forgotten > 0) {
        spdlog::info(
            "up: the embedded cluster starts empty: forgot the positions of {} partitions an "
            "earlier run stored in {} (its rows stay; ids seen again are ignored)",
            *forgotten, destination);
      }
    }
  }

  kafka::ProducerOptions producer_options;
  producer_options.client_id = "tokenflow-up-simulator";
  auto producer = kafka::Producer::create(client, producer_options);
  producer_options.client_id = "tokenflow-up-swaps";
  auto swap_producer = kafka::Producer::create(client, producer_options);
  auto dlq_producer = kafka::Producer::create(client, kafka::ProducerOptions{});
  if (!producer.ok() || !swap_producer.ok() || !dlq_producer.ok()) {
    spdlog::error("up: {}", (!producer.ok()        ? producer.error()
                             : !swap_producer.ok() ? swap_producer.error()
                                                   : dlq_producer.error())
                                .message);
    return kExitFailure;
  }

  auto registry = core::TokenRegistry::builtin();
  UpPriceSettings price_settings;
  price_settings.topic = std::string(kPricesTopic);
  price_settings.rate = settings.price_rate;
  price_settings.seed = settings.seed;
  price_settings.database_url = settings.database_url;
  price_settings.redis_url = settings.redis_url;
  price_settings.no_sink = settings.no_sink;
  price_settings.embedded = cluster != nullptr;
  auto prices = UpPrices::create(price_settings, client, registry, **dlq_producer);
  if (!prices.ok()) {
    spdlog::error("up: {}", prices.error().message);
    return kExitFailure;
  }

  std::unique_ptr<sinks::TransferSink> sink;
  if (!settings.no_sink) {
    sinks::SinkOptions sink_options;
    sink_options.topic = transfers_topic;
    sink_options.log_batches = false;  // the progress line says it
    sink_options.writers = writers;
    kafka::ConsumerOptions consumer_options;
    consumer_options.group_id = kSinkGroup;
    consumer_options.topics = {sink_options.topic};
    consumer_options.fetch_wait_max_ms = 100;
    sink = std::make_unique<sinks::TransferSink>(sink_options, client, consumer_options,
                                                 make_store, **dlq_producer);
  }

  UpConsole console;
  std::unique_ptr<AlertsRole> alerts;
  int exit_code = kExitOk;
  if (!settings.no_alerts) {
    AlertsFlags flags;
    flags.group = kAlertsGroup;
    flags.monitor.transfers_topic = transfers_topic;
    flags.no_console = true;  // up prints one line per alert, above its progress line
    flags.stats_interval_s = 0;
    // The simulator mints and burns all the time: up alerts on large transfers only, unless
    // asked (one console line per alert must stay readable).
    flags.no_mints = flags.no_burns = !settings.alert_mints_burns;
    const bool color = console.tty() && std::getenv("NO_COLOR") == nullptr;
    if (!settings.quiet_alerts) {
      flags.monitor.on_alert = [&console, color](const processors::Alert& alert,
                                                 const kafka::Message&) {
        console.line(processors::console_line(alert, color));
      };
    }
    alerts = AlertsRole::create(flags, client, exit_code);
    if (!alerts) return exit_code;
  }
  std::unique_ptr<StatsRole> stats;
  if (!settings.no_stats) {
    StatsFlags flags;
    flags.topic = swaps_topic;
    flags.transfers_topic = transfers_topic;
    flags.group = kStatsGroup;
    flags.listen = settings.listen;
    flags.state_dir = state_dir;
    // Its committed offsets move at each checkpoint: often, so the retention gate sees how
    // far behind it really is.
    flags.checkpoint_interval = "2s";
    stats = StatsRole::create(flags, client, exit_code);
    if (!stats) return exit_code;
  }

  // One address for the dashboard and the statistics API; the dashboard is created once the
  // port is known (it reads the top tokens from the API there).
  std::string host;
  std::uint16_t port = 0;
  if (!parse_listen("--listen", settings.listen, host, port)) return kExitUsage;
  http::HttpServerOptions server_options =
      stats ? stats->server_options() : http::HttpServerOptions{};
  server_options.address = host;
  server_options.port = port;
  server_options.name = "up";
  std::atomic<DashboardRole*> dashboard_ptr{nullptr};
  StatsApi* api = stats ? &stats->api() : nullptr;
  http::HttpServer server(
      server_options,
      [&dashboard_ptr, api](const http::Request& r, const http::ClientInfo& c) {
        const std::string_view target(r.target().data(), r.target().size());
        const auto path = http::target_path(target);
        if (DashboardRole::handles(path) || api == nullptr) {
          auto* dashboard = dashboard_ptr.load(std::memory_order_acquire);
          if (dashboard == nullptr) return http::make_error(r, 503, "the dashboard is starting");
          return dashboard->answer(r);
        }
        return api->answer(r, c);
      },
      [&dashboard_ptr, api](boost::asio::ip::tcp::socket s, http::Request r, http::ClientInfo c) {
        const std::string_view target(r.target().data(), r.target().size());
        auto* dashboard = dashboard_ptr.load(std::memory_order_acquire);
        if (http::target_path(target) == "/api/stream" && dashboard != nullptr) {
          return dashboard->upgrade(std::move(s), std::move(r));
        }
        if (api != nullptr) return api->upgrade(std::move(s), std::move(r), c);
        http::respond_and_close(std::move(s), http::make_error(r, 404, "no WebSocket here"));
      });
  if (auto started = server.start(); !started.ok()) {
    spdlog::error("--listen: {} (choose another address:port with --listen)",
                  started.error().message);
    return kExitUsage;
  }
  const std::string local_host = host == "0.0.0.0" || host.empty() ? "127.0.0.1" : host;
  const std::string base_url = "http://" + local_host + ":" + std::to_string(server.port());

  // Counters of the simulators, for the progress line, the summary and the dashboard.
  sources::SourceProbe transfer_probe;
  sources::SourceProbe swap_probe;
  processors::DashboardOptions dashboard_options;
  if (sink) dashboard_options.cluster.groups.push_back({kSinkGroup, {transfers_topic}});
  if (alerts) dashboard_options.cluster.groups.push_back({kAlertsGroup, {transfers_topic}});
  if (stats) {
    dashboard_options.cluster.groups.push_back({kStatsGroup, {swaps_topic, transfers_topic}});
  }
  (*prices)->add_groups(dashboard_options);
  dashboard_options.stats_url = stats ? base_url : "";
  dashboard_options.cluster.describe_groups = cluster == nullptr;
  dashboard_options.stats_missing_reason = "the statistics service is off (--no-stats)";
  if (alerts) {
    dashboard_options.alert_thresholds = "thresholds " + alerts->large_threshold() + " / " +
                                         alerts->critical_threshold() + " USD";
  } else {
    dashboard_options.alert_thresholds = "the alert monitor is off (--no-alerts)";
  }
  dashboard_options.registry = &registry;
  dashboard_options.roles_json = [&] {
    std::string out = "{\"simulator\":{\"transfers\":" +
                      std::to_string(transfer_probe.published.get()) +
                      ",\"swaps\":" + std::to_string(swap_probe.published.get()) + "}";
    if (sink) {
      out += ",\"sink\":{\"group\":\"" + std::string(kSinkGroup) +
             "\",\"stored\":" + std::to_string(sink->probe().stored.get()) +
             ",\"duplicates\":" + std::to_string(sink->probe().duplicates.get()) +
             ",\"dead_letters\":" + std::to_string(sink->probe().dead_letters.get()) + "}";
    }
    if (alerts) {
      out += ",\"alerts\":{\"group\":\"" + std::string(kAlertsGroup) +
             "\",\"transfers\":" + std::to_string(alerts->monitor().probe().transfers.get()) +
             ",\"alerts\":" + std::to_string(alerts->monitor().probe().alerts.get()) + "}";
    }
    if (stats) {
      out += ",\"stats\":{\"group\":\"" + std::string(kStatsGroup) +
             "\",\"events\":" + std::to_string(stats->probe().applied.get()) +
             ",\"tokens\":" + std::to_string(stats->tokens_tracked()) + "}";
    }
    return out + (*prices)->roles_json() + "}";
  };
  // On the embedded cluster, the simulators wait whenever a consumer falls near retention.
  std::unique_ptr<RetentionGate> gate;
  if (cluster) {
    auto* transfers_out = producer->get();
    auto* swaps_out = swap_producer->get();
    const auto* prices_out = &(*prices)->producer();
    gate = std::make_unique<RetentionGate>(
        kafka::EmbeddedCluster::kRetentionBytes,
        [transfers_out, swaps_out, prices_out, &transfers_topic](const std::string& topic) {
          const auto& probe = (topic == transfers_topic ? transfers_out
                               : topic == kPricesTopic  ? prices_out
                                                        : swaps_out)
                                  ->probe();
          const auto messages = probe.delivered.get();
          return messages == 0 ? 0.0
                               : static_cast<double>(probe.delivered_bytes.get()) /
                                     static_cast<double>(messages);
        },
        [&prices](const std::string& group) -> std::string {
          if (group == kSinkGroup) return "sink";
          if (group == kAlertsGroup) return "alerts";
          if (group == kStatsGroup) return "stats";
          if (auto role = (*prices)->role_of(group); !role.empty()) return role;
          return group;
        });
    dashboard_options.on_sample = [&gate](const processors::ClusterSampler& sampler) {
      gate->update(sampler);
    };
  }
  auto dashboard = DashboardRole::create(client, std::move(dashboard_options));
  if (!dashboard.ok()) {
    spdlog::error("up: dashboard: {}", dashboard.error().message);
    return kExitFailure;
  }
  (*dashboard)->attach(server);
  dashboard_ptr.store(dashboard->get(), std::memory_order_release);
  if (stats) stats->attach(server);

  // The roles, each on its thread. Stopping order: the simulators first, then the
  // consumers finish what was published.
  sources::SimulateOptions sim;
  sim.topic = transfers_topic;
  sim.rate = settings.rate;
  sim.count = settings.count;
  sim.duplicate_share = settings.duplicate_share;
  sim.malformed_share = settings.malformed_share;
  sim.chain.seed = settings.seed;
  sim.chain.start_time = core::now_millis();
  sim.hold = gate ? &gate->closed() : nullptr;
  sources::SimulateOptions swap_sim = sim;
  swap_sim.topic = swaps_topic;
  swap_sim.events = sources::SimulatedEvents::swaps;
  swap_sim.rate = settings.swap_rate;
  swap_sim.count = 0;
  swap_sim.duplicate_share = 0;
  swap_sim.malformed_share = 0;
  swap_sim.chain.seed = settings.seed + 1;

  RoleThread transfers_source{"simulator (transfers)"};
  RoleThread swaps_source{"simulator (swaps)"};
  RoleThread sink_thread{"sink"};
  RoleThread alerts_thread{"alerts"};
  RoleThread stats_thread{"stats"};
  auto simulate = [&registry](const sources::SimulateOptions& options, kafka::Producer& out,
                              sources::SourceProbe& probe) {
    return [&options, &out, &probe, &registry](const core::StopSignal& stop) -> core::Result<void> {
      auto done = sources::run_simulation(options, registry, out, stop, probe);
      if (!done.ok()) return std::move(done).error();
      return core::success();
    };
  };
  transfers_source.start(simulate(sim, **producer, transfer_probe), ctx.stop);
  if (settings.swap_rate > 0 && stats) {
    swaps_source.start(simulate(swap_sim, **swap_producer, swap_probe), ctx.stop);
  }
  if (sink) sink_thread.start([&](const core::StopSignal& s) { return sink->run(s); }, ctx.stop);
  if (alerts) alerts_thread.start([&](const core::StopSignal& s) { return alerts->run(s); }, ctx.stop);
  if (stats) stats_thread.start([&](const core::StopSignal& s) { return stats->run(s); }, ctx.stop);
  (*prices)->start(sim.hold, ctx.stop);

  spdlog::info("up: dashboard at {}/ ; statistics API at {}/v1/tokens ; Ctrl-C stops", base_url,
               stats ? base_url : std::string("(off)"));
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t last_produced = 0, last_stored = 0;
  auto last = started;
  std::size_t tokens_tracked = 0;
  auto progress = [&](bool final_line) {
    auto now = std::chrono::steady_clock::now();
    const double secs = std::max(1e-3, std::chrono::duration<double>(now - last).count());
    const std::uint64_t produced = (*producer)->probe().delivered.get();
    std::string line = "transfers " + with_commas(produced) + " (" +
                       rate_text(produced, last_produced, secs) + ")";
    if (stats) line += " | swaps " + with_commas((*swap_producer)->probe().delivered.get());
    if (sink) {
      const std::uint64_t consumed = sink->probe().consumed.get();
      const std::uint64_t stored = sink->probe().stored.get();
      line += " | stored " + with_commas(stored) + " (" + rate_text(stored, last_stored, secs) +
              ") | sink lag " + with_commas(produced > consumed ? produced - consumed : 0);
      last_stored = stored;
    }
    if (alerts) line += " | alerts " + with_commas(alerts->monitor().probe().alerts.get());
    if (stats) line += " | tokens " + with_commas(final_line ? tokens_tracked : stats->tokens_tracked());
    line += (*prices)->progress();
    if (sink) line += " | dead letters " + with_commas(sink->probe().dead_letters.get());
    if (gate && gate->closed().load(std::memory_order_relaxed)) {
      line += " | paused: " + gate->reason();
    }
    console.progress(line, final_line);
    last_produced = produced;
    last = now;
  };
  while (ctx.stop.wait_for(std::chrono::milliseconds(settings.progress_interval_ms))) {
    progress(false);
    // With --count, stop once every transfer published has been consumed by every role.
    if (settings.count != 0 && transfer_probe.published.get() >= settings.count) {
      const auto published = transfer_probe.published.get();
      // Accounted for, not merely consumed: a message read again after a failed write is
      // consumed twice.
      const bool sink_done =
          !sink || sink->probe().stored.get() + sink->probe().duplicates.get() +
                           sink->probe().dead_letters.get() >=
                       published;
      const bool alerts_done = !alerts || alerts->monitor().probe().consumed.get() >= published;
      if (sink_done && alerts_done) break;
    }
  }
  console.finish();
  tokens_tracked = stats ? stats->tokens_tracked() : 0;  // stopping empties the store
  spdlog::info("up: stopping: the simulators first, then each role finishes its batch");
  transfers_source.stop_and_join();
  swaps_source.stop_and_join();
  (*prices)->stop_source();
  // A moment for the consumers to take in what was just published (bounded: Ctrl-C means now).
  const auto drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (sink && sink->probe().consumed.get() < (*producer)->probe().delivered.get() &&
         std::chrono::steady_clock::now() < drain_deadline && sink_thread.result.ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sink_thread.stop_and_join();
  (*prices)->stop_sinks(std::chrono::seconds(3));
  alerts_thread.stop_and_join();
  stats_thread.stop_and_join();
  if (stats) stats->detach();
  (*dashboard)->detach();
  server.stop();
  dashboard_ptr.store(nullptr, std::memory_order_release);
  if (stats) stats->close();
  (*dashboard)->close();
  progress(true);

  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string summary = "\nSummary after " + std::to_string(static_cast<int>(secs)) + " s:\n";
  summary += "  simulator     " + with_commas(transfer_probe.read.get()) + " transfers (" +
             with_commas(transfer_probe.duplicates_injected.get()) + " duplicates, " +
             with_commas(transfer_probe.malformed_injected.get()) + " malformed injected)";
  if (stats) summary += ", " + with_commas(swap_probe.published.get()) + " swaps";
  summary += "\n";
  if (sink) {
    auto stored_rows = store->count_rows();
    summary += "  sink          " + with_commas(sink->probe().consumed.get()) + " consumed, " +
               with_commas(sink->probe().stored.get()) + " new rows, " +
               with_commas(sink->probe().duplicates.get()) + " duplicates ignored, " +
               with_commas(sink->probe().dead_letters.get()) + " dead letters; table " +
               store->table_name() + " holds " +
               (stored_rows.ok() ? with_commas(*stored_rows) : std::string("?")) + " rows\n";
  }
  if (alerts) {
    const auto& p = alerts->monitor().probe();
    summary += "  alerts        " + with_commas(p.transfers.get()) + " transfers checked, " +
               with_commas(p.alerts.get()) + " alerts to " + std::string(kAlertsTopic) + ", " +
               with_commas(p.invalid.get()) + " dead letters\n";
  }
  if (stats) {
    const auto& p = stats->probe();
    summary += "  stats         " + with_commas(p.applied.get()) + " events counted, " +
               with_commas(p.duplicates.get()) + " duplicates, " +
               with_commas(tokens_tracked) + " tokens tracked\n";
  }
  summary += (*prices)->summary();
  if (gate) {
    summary += "  backpressure  the simulators paused " + with_commas(gate->pauses()) +
               " time(s) for a consumer near the embedded cluster's retention\n";
  }
  summary += "  dashboard     " + base_url + "/ (" + with_commas((*dashboard)->dashboard().rounds()) +
             " updates)\n";
  std::fputs(summary.c_str(), stderr);
  int status = kExitOk;
  std::vector<const RoleThread*> roles{&transfers_source, &swaps_source, &sink_thread,
                                       &alerts_thread, &stats_thread};
  for (const auto* role : (*prices)->roles()) roles.push_back(role);
  for (const auto* role : roles) {
    if (!role->result.ok()) {
      spdlog::error("up: {}: {}", role->name, role->result.error().message);
      status = kExitFailure;
    }
  }
  return status;
}

}  // namespace

void register_up(CLI::App& app, CommandContext& ctx) {
  auto settings = std::make_shared<UpSettings>();
  auto* cmd = app.add_subcommand(
      "up",
      "Run the whole system in one process: an embedded Kafka cluster (unless "
      "KAFKA_BOOTSTRAP_SERVERS is set), the chain simulator (transfers and swaps), the sink "
      "(SQLite unless DATABASE_URL is set), the alert monitor, the statistics service and the "
      "dashboard at --listen, with a live progress line. Ctrl-C stops it with a summary.");
  // --kafka-bootstrap (KAFKA_BOOTSTRAP_SERVERS or KAFKA_BROKERS): a real cluster instead of
  // the embedded one; SASL and -X as every role.
  add_kafka_flags(*cmd, settings->kafka);
  cmd->add_option("--database-url", settings->database_url,
                  "Store in this PostgreSQL database instead of SQLite")
      ->envname("DATABASE_URL");
  cmd->add_option("--redis-url", settings->redis_url,
                  "Keep the latest price of every asset and source in this Redis "
                  "(redis:// or rediss://, as `sink redis`)")
      ->envname("REDIS_URL");
  cmd->add_option("--sqlite-path", settings->sqlite_path, "SQLite file used without DATABASE_URL")
      ->capture_default_str();
  cmd->add_option("--listen", settings->listen,
                  "Address:port of the dashboard (/) and the statistics API (/v1/...)")
      ->envname("HTTP_LISTEN")
      ->capture_default_str();
  cmd->add_option("--state-dir", settings->state_dir,
                  "Statistics checkpoints; default: a temporary directory with the embedded "
                  "cluster (it starts empty), tokenflow-up-state with a real one");
  cmd->add_option("--rate", settings->rate,
                  "Simulated transfers per second; 0 = as fast as possible")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--swap-rate", settings->swap_rate, "Simulated swaps per second; 0 = none")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--price-rate", settings->price_rate,
                  "Simulated price ticks per second (to market.prices); 0 = none")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--count", settings->count,
                  "Stop after this many transfers are published and consumed; 0 = until Ctrl-C")
      ->capture_default_str();
  cmd->add_option("--partitions", settings->partitions,
                  "Partitions of the embedded cluster's topics")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--seed", settings->seed, "Simulator seed")->capture_default_str();
  cmd->add_option("--duplicate-share", settings->duplicate_share,
                  "Share of re-sent messages, to watch de-duplication")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--malformed-share", settings->malformed_share,
                  "Share of malformed messages, to watch dead letters")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--no-sink", settings->no_sink, "Leave the sink out");
  cmd->add_flag("--no-alerts", settings->no_alerts, "Leave the alert monitor out");
  cmd->add_flag("--no-stats", settings->no_stats, "Leave the statistics service out");
  cmd->add_flag("--alert-mints-burns", settings->alert_mints_burns,
                "Also alert on every mint and burn (the simulator makes many)");
  cmd->add_flag("--quiet-alerts", settings->quiet_alerts,
                "No console line per alert (they still go to system.alerts)");
  cmd->callback(
      [settings, &ctx] { ctx.action = [settings, &ctx] { return run_up(*settings, ctx); }; });
}

}  // namespace tokenflow::cli
