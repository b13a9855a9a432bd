// `tokenflow up`: the whole pipeline in one process, with nothing to configure. An embedded
// Kafka-protocol cluster (unless KAFKA_BOOTSTRAP_SERVERS names a real one), the chain
// simulator publishing transfers, and the sink storing them (SQLite file unless DATABASE_URL
// names PostgreSQL), with a live progress line until Ctrl-C, then a summary.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/topics.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "sinks/postgres_store.hpp"
#include "sinks/sqlite_store.hpp"
#include "sinks/transfer_sink.hpp"
#include "sources/simulate_source.hpp"

namespace tokenflow::cli {
namespace {

struct UpSettings {
  std::string bootstrap;  // empty: embedded cluster
  std::vector<std::string> properties;
  std::string database_url;
  std::string sqlite_path = "tokenflow.db";
  double rate = 2000;
  std::uint64_t count = 0;
  int partitions = 12;
  std::uint64_t seed = 1;
  double duplicate_share = 0;
  double malformed_share = 0;
  int progress_interval_ms = 1000;
};

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

int run_up(const UpSettings& settings, CommandContext& ctx) {
  std::unique_ptr<kafka::EmbeddedCluster> cluster;
  kafka::ClientConfig client;
  if (settings.bootstrap.empty()) {
    auto created = kafka::EmbeddedCluster::create(3);
    if (!created.ok()) {
      spdlog::error("cannot start the embedded cluster: {}", created.error().message);
      return kExitFailure;
    }
    cluster = std::move(created).value();
    for (auto topic : kKnownTopics) {
      if (auto made = cluster->create_topic(std::string(topic), settings.partitions); !made.ok()) {
        spdlog::error("creating topic {}: {}", topic, made.error().message);
        return kExitFailure;
      }
    }
    client = cluster->client_config();
    spdlog::info(
        "up: embedded Kafka cluster at {} (in memory: nothing is kept across restarts; "
        "any Kafka client can connect to it)",
        client.bootstrap_servers);
  } else {
    client.bootstrap_servers = settings.bootstrap;
    spdlog::info("up: using the Kafka cluster at {}", settings.bootstrap);
  }
  auto properties = kafka::parse_properties(settings.properties);
  if (!properties.ok()) {
    spdlog::error("{}", properties.error().message);
    return kExitUsage;
  }
  client.properties = std::move(properties).value();

  sinks::StoreFactory make_store;
  std::string destination;
  std::size_t writers = 1;
  if (!settings.database_url.empty()) {
    sinks::PostgresStoreOptions options;
    options.url = settings.database_url;
    if (auto valid = sinks::PostgresStore::validate(options); !valid.ok()) {
      spdlog::error("{}", valid.error().message);
      return kExitUsage;
    }
    destination = "PostgreSQL " + sinks::PostgresStore::describe_url(options.url);
    make_store = [options] { return std::make_unique<sinks::PostgresStore>(options); };
    writers = sinks::TransferSinkOptions{}.writers;
  } else {
    sinks::SqliteStoreOptions options;
    options.path = settings.sqlite_path;
    destination = "SQLite file " + settings.sqlite_path + " (set DATABASE_URL for PostgreSQL)";
    // SQLite takes one writer at a time: a second session would only wait for the lock.
    make_store = [options] { return std::make_unique<sinks::SqliteStore>(options); };
  }
  auto store = make_store();
  if (auto ready = store->connect(); !ready.ok() || !(ready = store->init_schema()).ok()) {
    spdlog::error("up: preparing {}: {}", destination, ready.error().message);
    return kExitFailure;
  }
  spdlog::info("up: storing transfers in {}, table {}", destination, store->table_name());

  kafka::ProducerOptions producer_options;
  producer_options.client_id = "tokenflow-up-simulator";
  auto producer = kafka::Producer::create(client, producer_options);
  auto dlq_producer = kafka::Producer::create(client, kafka::ProducerOptions{});
  if (!producer.ok() || !dlq_producer.ok()) {
    spdlog::error("up: {}", (!producer.ok() ? producer.error() : dlq_producer.error()).message);
    return kExitFailure;
  }

  sinks::TransferSinkOptions sink_options;
  sink_options.topic = std::string(kTransfersTopic);
  sink_options.log_batches = false;  // the progress line says it
  sink_options.writers = writers;
  kafka::ConsumerOptions consumer_options;
  consumer_options.group_id = "tokenflow-up-sink";
  consumer_options.topics = {sink_options.topic};
  consumer_options.fetch_wait_max_ms = 100;
  sinks::TransferSink sink(sink_options, client, consumer_options, make_store, **dlq_producer);

  // Stopping order: the simulator first, then the sink drains what was published.
  core::StopSignal source_stop;
  sources::SourceProbe source_probe;
  core::Result<void> source_result = core::success();
  core::Result<void> sink_result = core::success();
  sources::SimulateOptions sim;
  sim.topic = sink_options.topic;
  sim.rate = settings.rate;
  sim.count = settings.count;
  sim.duplicate_share = settings.duplicate_share;
  sim.malformed_share = settings.malformed_share;
  sim.chain.seed = settings.seed;
  sim.chain.start_time = core::now_millis();
  auto registry = core::TokenRegistry::builtin();
  std::thread source_thread([&] {
    auto done = sources::run_simulation(sim, registry, **producer, source_stop, source_probe);
    if (!done.ok()) source_result = std::move(done).error();
  });
  core::StopSignal sink_stop;
  std::thread sink_thread([&] {
    sink_result = sink.run(sink_stop);
    if (!sink_result.ok()) ctx.stop.request();
  });

  const bool tty = isatty(STDERR_FILENO) != 0;
  auto started = std::chrono::steady_clock::now();
  std::uint64_t last_produced = 0, last_consumed = 0;
  auto last = started;
  int ticks = 0;
  auto progress = [&](bool final_line) {
    auto now = std::chrono::steady_clock::now();
    double secs = std::max(1e-3, std::chrono::duration<double>(now - last).count());
    std::uint64_t produced = (*producer)->probe().delivered.get();
    std::uint64_t consumed = sink.probe().consumed.get();
    std::uint64_t lag = produced > consumed ? produced - consumed : 0;
    std::string line =
        "produced " + with_commas(produced) + " (" +
        with_commas(
            static_cast<std::uint64_t>(static_cast<double>(produced - last_produced) / secs)) +
        "/s) | consumed " + with_commas(consumed) + " (" +
        with_commas(
            static_cast<std::uint64_t>(static_cast<double>(consumed - last_consumed) / secs)) +
        "/s) | lag " + with_commas(lag) + " | stored " + with_commas(sink.probe().stored.get()) +
        " | dead letters " + with_commas(sink.probe().dead_letters.get());
    if (tty && !final_line) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else if (final_line || ++ticks % 5 == 0) {
      if (tty) std::fprintf(stderr, "\r\033[K");
      spdlog::info("up: {}", line);
    }
    std::fflush(stderr);
    last_produced = produced;
    last_consumed = consumed;
    last = now;
  };
  bool source_done = false;
  while (ctx.stop.wait_for(std::chrono::milliseconds(settings.progress_interval_ms))) {
    progress(false);
    if (!source_done && settings.count != 0 && source_probe.published.get() >= settings.count) {
      source_done = true;
    }
    // With --count, stop once everything published has been consumed.
    if (source_done && sink.probe().consumed.get() >= source_probe.published.get()) break;
  }
  if (tty) std::fprintf(stderr, "\n");
  spdlog::info("up: stopping: the simulator first, then the sink finishes its batch");
  source_stop.request();
  source_thread.join();
  // Give the sink a moment to drain what was just published.
  auto drain_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sink.probe().consumed.get() < (*producer)->probe().delivered.get() &&
         std::chrono::steady_clock::now() < drain_deadline && sink_result.ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sink_stop.request();
  sink_thread.join();
  progress(true);
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto stored_rows = store->count_rows();
  std::fprintf(stderr,
               "\nSummary after %.1f s:\n"
               "  published     %s transfers (%s duplicates, %s malformed injected)\n"
               "  consumed      %s messages\n"
               "  stored        %s new rows (%s duplicates ignored); table %s now holds %s rows\n"
               "  dead letters  %s (topic tokenflow.dlq)\n",
               secs, with_commas(source_probe.read.get()).c_str(),
               with_commas(source_probe.duplicates_injected.get()).c_str(),
               with_commas(source_probe.malformed_injected.get()).c_str(),
               with_commas(sink.probe().consumed.get()).c_str(),
               with_commas(sink.probe().stored.get()).c_str(),
               with_commas(sink.probe().duplicates.get()).c_str(), store->table_name().c_str(),
               stored_rows.ok() ? with_commas(*stored_rows).c_str() : "?",
               with_commas(sink.probe().dead_letters.get()).c_str());
  if (!source_result.ok()) {
    spdlog::error("up: simulator: {}", source_result.error().message);
    return kExitFailure;
  }
  if (!sink_result.ok()) {
    spdlog::error("up: sink: {}", sink_result.error().message);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void register_up(CLI::App& app, CommandContext& ctx) {
  auto settings = std::make_shared<UpSettings>();
  auto* cmd = app.add_subcommand(
      "up",
      "Run the whole pipeline in one process: an embedded Kafka cluster (unless "
      "KAFKA_BOOTSTRAP_SERVERS is set), the chain simulator and the sink (SQLite unless "
      "DATABASE_URL is set), with a live progress line. Ctrl-C stops it with a summary.");
  cmd->add_option("--kafka-bootstrap", settings->bootstrap,
                  "Use this Kafka cluster instead of the embedded one")
      ->envname("KAFKA_BOOTSTRAP_SERVERS");
  cmd->add_option("-X", settings->properties, "Any librdkafka property (repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_option("--database-url", settings->database_url,
                  "Store in this PostgreSQL database instead of SQLite")
      ->envname("DATABASE_URL");
  cmd->add_option("--sqlite-path", settings->sqlite_path, "SQLite file used without DATABASE_URL")
      ->capture_default_str();
  cmd->add_option("--rate", settings->rate,
                  "Simulated transfers per second; 0 = as fast as possible")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--count", settings->count,
                  "Stop after this many transfers are published and stored; 0 = until Ctrl-C")
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
  cmd->callback(
      [settings, &ctx] { ctx.action = [settings, &ctx] { return run_up(*settings, ctx); }; });
}

}  // namespace tokenflow::cli
