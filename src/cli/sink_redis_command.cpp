// `tokenflow sink redis`: price ticks of market.prices into a Redis cache of the latest price
// per asset and per asset and source (sinks/redis_store.hpp), exactly once through the
// sinks' shared loop (cli/sink_runner.hpp); docs/redis.md.
#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/redis_flags.hpp"
#include "cli/sink_runner.hpp"
#include "core/duration.hpp"
#include "sinks/errc.hpp"
#include "sinks/redis_store.hpp"

namespace tokenflow::cli {
namespace {

constexpr const char* kRedisSinkGroup = "tokenflow-sink-redis";

struct SinkRedisFlags {
  KafkaFlags kafka;
  RedisFlags redis;
  SinkRun run{sinks::SinkOptions{}, kRedisSinkGroup, "tokenflow-sink-redis", MetricsFlags{}};
  std::string ttl;  // a duration ("1h"); empty: keys never expire
  bool no_publish = false;
  std::size_t ticks_per_call = 0;
  int redis_timeout_ms = 10'000;
};

int run_sink_redis(SinkRedisFlags& flags, CommandContext& ctx) {
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  auto options = to_redis_store_options(flags.redis, flags.run.group);
  if (!options.ok()) {
    spdlog::error("{}", options.error().message);
    return kExitUsage;
  }
  if (!flags.ttl.empty()) {
    auto ttl = core::parse_duration(flags.ttl);
    if (!ttl.ok() || ttl->count() % 1000 != 0) {
      spdlog::error("--ttl '{}': {}", flags.ttl,
                    ttl.ok() ? "Redis expires keys in whole seconds (e.g. 90s, 15m, 24h)"
                             : ttl.error().message);
      return kExitUsage;
    }
    options->ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
  }
  options->publish = !flags.no_publish;
  options->ticks_per_call = flags.ticks_per_call;
  options->connection.io_timeout = std::chrono::milliseconds(flags.redis_timeout_ms);
  {
    // At start only: refuses Redis Cluster, warns when Redis keeps no append-only file. A
    // server not up yet is waited for by the sink's loop (connect with backoff).
    sinks::RedisStore store(*options);
    auto ready = store.connect();
    if (ready.ok()) ready = store.init_schema();
    if (!ready.ok() && ready.error().code != sinks::errc::unavailable) {
      spdlog::error("sink: {}", ready.error().message);
      return kExitFailure;
    }
  }
  auto make_store = [options = *options]() -> std::unique_ptr<sinks::PriceBatchStore> {
    return std::make_unique<sinks::RedisStore>(options);
  };
  return run_event_sink<sinks::PriceEvents>(flags.run, *config, make_store, ctx);
}

}  // namespace

void register_sink_redis(CLI::App& sink, CommandContext& ctx) {
  auto flags = std::make_shared<SinkRedisFlags>();
  flags->run.sink.topic = "market.prices";
  // A tick's script call is short; batches fill only under load (docs/benchmarks.md).
  flags->run.sink.batch_size = 1000;
  auto* redis = sink.add_subcommand(
      "redis",
      "Keep the latest price tick of every asset, and of every asset and source, in Redis "
      "hashes (tokenflow:price:<asset>[:<source>]), exactly once: a server-side script refuses "
      "a tick older than the stored one and stores the consumed offsets with it; each change "
      "PUBLISHed on tokenflow:prices; bad messages to tokenflow.dlq");
  add_kafka_flags(*redis, flags->kafka);
  add_redis_flags(*redis, flags->redis, true);
  add_metrics_flags(*redis, flags->run.metrics);
  redis->add_option("--kafka-topic,--topic", flags->run.sink.topic, "Topic of price ticks to consume")
      ->envname("KAFKA_TOPIC")
      ->capture_default_str();
  redis->add_option("--kafka-group,--group", flags->run.group, "Consumer group (its positions are "
                    "kept in Redis under <prefix>:positions:<group>:<topic>)")
      ->envname("KAFKA_CONSUMER_GROUP")
      ->capture_default_str();
  redis->add_option("--batch-size", flags->run.sink.batch_size,
                    "Ticks per script call at most (a call blocks Redis while it runs)")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  redis->add_option("--writers", flags->run.sink.writers,
                    "Connections writing batches at once; batches commit in the order they were "
                    "read (one encodes while another's script runs)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  add_sink_loop_flags(*redis, flags->run.sink);
  redis->add_option("--ttl", flags->ttl,
                    "EXPIRE every price key this long after its last change (90s, 15m, 24h); "
                    "default: keys never expire");
  redis->add_flag("--no-publish", flags->no_publish,
                  "Do not PUBLISH changes on <prefix>:prices");
  redis->add_option("--ticks-per-call", flags->ticks_per_call,
                    "Split a batch into pipelined script calls of this many ticks (positions in "
                    "the last); 0: one call per batch")
      ->capture_default_str();
  redis->add_option("--redis-timeout-ms", flags->redis_timeout_ms,
                    "A Redis read or write waiting longer fails the connection, which is "
                    "reconnected with backoff")
      ->check(CLI::Range(100, 600'000))
      ->capture_default_str();
  redis->callback(
      [flags, &ctx] { ctx.action = [flags, &ctx] { return run_sink_redis(*flags, ctx); }; });
}

}  // namespace tokenflow::cli
