#include <spdlog/spdlog.h>

#include <cstdlib>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/metrics_endpoint.hpp"
#include "cli/postgres_flags.hpp"
#include "cli/sink_runner.hpp"
#include "cli/topics.hpp"
#include "sinks/event_sink.hpp"

namespace tokenflow::cli {
namespace {

constexpr const char* kTransfersGroup = "tokenflow-sink-postgres";
constexpr const char* kPricesGroup = "tokenflow-sink-price-history";
constexpr const char* kPricesTopic = "market.prices";

struct SinkFlags {
  KafkaFlags kafka;
  std::string events = "transfers";  // or prices
  std::string group = kTransfersGroup;
  sinks::SinkOptions sink;
  sinks::PostgresStoreOptions postgres;
  std::string synchronous_commit = "off";
  std::string copy_format = "binary";
  bool skip_init_schema = false;
  MetricsFlags metrics;
  // Set by the user (the defaults of --events prices apply only to what was not).
  CLI::Option* topic_option = nullptr;
  CLI::Option* group_option = nullptr;
  CLI::Option* table_option = nullptr;
};

// The defaults that follow from --events prices, for whatever the user did not set.
void apply_event_defaults(SinkFlags& flags) {
  if (flags.events != "prices") return;
  if (flags.topic_option->count() == 0 && std::getenv("KAFKA_TOPIC") == nullptr) {
    flags.sink.topic = kPricesTopic;
  }
  if (flags.group_option->count() == 0 && std::getenv("KAFKA_CONSUMER_GROUP") == nullptr) {
    flags.group = kPricesGroup;
  }
  if (flags.table_option->count() == 0) {
    flags.postgres.table = std::string(sinks::PriceHistoryTable::kDefaultName);
  }
}

template <class Table, class Events>
int run_sink(SinkFlags& flags, CommandContext& ctx) {
  using Store = sinks::BasicPostgresStore<Table>;
  // `tokenflow replay` finds a running sink by this name (pg_stat_activity).
  flags.postgres.application_name = sinks::sink_application_name(flags.group);
  flags.postgres.synchronous_commit = flags.synchronous_commit == "on"
                                          ? sinks::SynchronousCommit::on
                                          : sinks::SynchronousCommit::off;
  flags.postgres.copy_format =
      flags.copy_format == "text" ? sinks::CopyFormat::text : sinks::CopyFormat::binary;
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  if (!flags.skip_init_schema) {
    Store store(flags.postgres);
    auto ready = store.connect();
    if (ready.ok()) ready = store.init_schema();
    if (!ready.ok()) {
      spdlog::error("sink: preparing {}: {}", store.table_name(), ready.error().message);
      return kExitFailure;
    }
  }
  auto make_store = [options = flags.postgres]() -> std::unique_ptr<sinks::BasicBatchStore<typename Table::Row>> {
    return std::make_unique<Store>(options);
  };
  return run_event_sink<Events>({flags.sink, flags.group, "tokenflow-sink-postgres", flags.metrics},
                                *config, make_store, ctx);
}

int run_sink_postgres(SinkFlags& flags, CommandContext& ctx) {
  apply_event_defaults(flags);
  if (!validate_postgres_flags(flags.postgres)) return kExitUsage;
  if (flags.events == "prices") return run_sink<sinks::PriceHistoryTable, sinks::PriceEvents>(flags, ctx);
  return run_sink<sinks::TransferTable, sinks::TransferEvents>(flags, ctx);
}

}  // namespace

void register_sink(CLI::App& app, CommandContext& ctx) {
  auto* sink = app.add_subcommand("sink", "Consume events from Kafka into a database");
  sink->require_subcommand(1);
  auto flags = std::make_shared<SinkFlags>();
  auto* postgres = sink->add_subcommand(
      "postgres",
      "Load transfers (or, with --events prices, price ticks into raw.price_history) into "
      "PostgreSQL exactly once: COPY in batches, duplicate ids ignored, consumed offsets stored "
      "in the same transaction, bad messages to tokenflow.dlq");
  add_kafka_flags(*postgres, flags->kafka);
  add_postgres_flags(*postgres, flags->postgres);
  add_metrics_flags(*postgres, flags->metrics);
  postgres
      ->add_option("--events", flags->events,
                   "What the topic holds: transfers (into --table, default transfers_kafka) or "
                   "prices (price ticks of market.prices into price_history, keyed by asset, "
                   "source and timestamp; group tokenflow-sink-price-history)")
      ->check(CLI::IsMember({"transfers", "prices"}))
      ->capture_default_str();
  flags->topic_option =
      postgres
          ->add_option("--kafka-topic,--topic", flags->sink.topic,
                       "Topic to consume (market.prices with --events prices)")
          ->envname("KAFKA_TOPIC")
          ->capture_default_str();
  flags->group_option =
      postgres
          ->add_option("--kafka-group,--group", flags->group,
                       "Consumer group (tokenflow-sink-price-history with --events prices)")
          ->envname("KAFKA_CONSUMER_GROUP")
          ->capture_default_str();
  flags->table_option = postgres->get_option("--table");
  postgres
      ->add_option("--batch-size", flags->sink.batch_size,
                   "Rows per transaction (5000 measured fastest; see docs/benchmarks.md)")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  postgres
      ->add_option("--writers", flags->sink.writers,
                   "PostgreSQL sessions writing batches at once; batches commit in the order "
                   "they were read (2 measured fastest on 2 cores; see docs/benchmarks.md)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_sink_loop_flags(*postgres, flags->sink);
  postgres
      ->add_option("--synchronous-commit", flags->synchronous_commit,
                   "PostgreSQL synchronous_commit for the sink's session (off is safe: offsets "
                   "are stored in the same transaction; see docs/sink.md)")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  postgres->add_option("--copy-format", flags->copy_format, "COPY format")
      ->check(CLI::IsMember({"binary", "text"}))
      ->capture_default_str();
  postgres->add_flag("--no-init-schema", flags->skip_init_schema,
                     "Do not create the schema and tables if they are missing");
  postgres->callback(
      [flags, &ctx] { ctx.action = [flags, &ctx] { return run_sink_postgres(*flags, ctx); }; });
  register_sink_redis(*sink, ctx);
}

}  // namespace tokenflow::cli
