#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/registry_flag.hpp"
#include "cli/stats_role.hpp"
#include "cli/topics.hpp"
#include "core/duration.hpp"
#include "kafka/admin.hpp"
#include "kafka/producer.hpp"
#include "processors/stats/stats_service.hpp"

namespace tokenflow::cli {
namespace {

int run_stats(StatsFlags& flags, CommandContext& ctx) {
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  int exit_code = kExitOk;
  auto role = StatsRole::create(flags, *config, exit_code);
  if (!role) return exit_code;
  StatsApi& api = role->api();
  http::HttpServer server(
      role->server_options(),
      [&api](const http::Request& r, const http::ClientInfo& c) { return api.answer(r, c); },
      [&api](boost::asio::ip::tcp::socket s, http::Request r, http::ClientInfo c) {
        api.upgrade(std::move(s), std::move(r), c);
      });
  if (auto started = server.start(); !started.ok()) {
    spdlog::error("--listen: {}", started.error().message);
    return kExitUsage;
  }
  auto metrics = start_metrics_endpoint(
      flags.metrics, "stats",
      {[&api] { return api.metrics_text(); }, [&api] { return api.ready(); },
       "the assigned partitions are not restored yet"});
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    server.stop();
    role->close();
    return kExitUsage;
  }
  role->attach(server);
  auto result = role->run(ctx.stop);
  role->detach();
  server.stop();
  role->close();
  if (!result.ok()) {
    spdlog::error("stats: {}", result.error().message);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void register_stats(CLI::App& app, CommandContext& ctx) {
  auto flags = std::make_shared<StatsFlags>();
  auto* cmd = app.add_subcommand(
      "stats",
      "Serve sliding-window token statistics from swaps over HTTP and WebSocket, exact after "
      "any crash (per-partition state checkpointed with its offset)");
  add_kafka_flags(*cmd, flags->kafka);
  add_metrics_flags(*cmd, flags->metrics);
  cmd->add_option("--kafka-topic,--topic", flags->topic, "Swaps topic")
      ->envname("KAFKA_TOPIC")
      ->capture_default_str();
  cmd->add_option("--transfers-topic", flags->transfers_topic,
                  "Also count transfers from this topic (e.g. stablecoin-transfers): each is a "
                  "transaction of its token worth its value at the registry peg (0 USD "
                  "without one), neither buy nor sell, by its sender and receiver; off when "
                  "empty")
      ->envname("TRANSFERS_TOPIC");
  add_registry_flag(*cmd, flags->registry_file,
                    "with --transfers-topic, the decimals and peg_usd that price transfers");
  cmd->add_option("--kafka-group,--group", flags->group, "Consumer group (instances share it)")
      ->envname("KAFKA_CONSUMER_GROUP")
      ->capture_default_str();
  cmd->add_option("--windows", flags->windows, "Sliding windows, comma-separated")
      ->envname("WINDOWS")
      ->capture_default_str();
  cmd->add_option("--bucket-step", flags->bucket_step, "Bucket width the windows are made of")
      ->envname("BUCKET_STEP")
      ->capture_default_str();
  cmd->add_option("--dedup-ttl", flags->dedup_ttl,
                  "How long (event time) an id is remembered for de-duplication; default: the "
                  "largest window")
      ->envname("DEDUP_TTL");
  cmd->add_option("--max-skew", flags->max_skew,
                  "How far ahead of the wall clock an event (and so the stream clock) may be")
      ->envname("MAX_SKEW")
      ->capture_default_str();
  cmd->add_option("--backpressure", flags->backpressure,
                  "When the aggregator is behind: block the consumer, drop (counted) or buffer "
                  "without bound")
      ->envname("BACKPRESSURE")
      ->check(CLI::IsMember({"block", "drop", "buffer"}))
      ->capture_default_str();
  cmd->add_option("--queue-messages", flags->queue_messages,
                  "Messages consumed but not yet aggregated before backpressure applies")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000'000}))
      ->capture_default_str();
  cmd->add_option("--checkpoint-interval", flags->checkpoint_interval,
                  "How often each partition's state is written with its offset")
      ->envname("CHECKPOINT_INTERVAL")
      ->capture_default_str();
  cmd->add_option("--state-dir", flags->state_dir,
                  "Checkpoint directory (instances of one group share it)")
      ->envname("STATE_DIR")
      ->capture_default_str();
  cmd->add_option("--push-interval", flags->push_interval,
                  "WebSocket updates at most this often per token, only when changed")
      ->envname("PUSH_INTERVAL")
      ->capture_default_str();
  cmd->add_option("--api-key", flags->api_keys,
                  "API key clients must send as 'Authorization: Bearer <key>' (repeatable; "
                  "none: open)")
      ->envname("API_KEYS")
      ->delimiter(',');
  cmd->add_option("--rate-limit", flags->rate_limit,
                  "Requests per second per client address before 429; 0 = off")
      ->envname("RATE_LIMIT")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--listen", flags->listen, "HTTP address:port (port 0: any free port)")
      ->envname("HTTP_LISTEN")
      ->capture_default_str();
  cmd->add_option("--http-threads", flags->http_threads, "HTTP server threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--max-request-bytes", flags->max_request_bytes,
                  "Largest request accepted (413 beyond)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{16 << 20}))
      ->capture_default_str();
  cmd->add_option("--idle-timeout", flags->idle_timeout,
                  "Close an HTTP connection idle (or sending a request) this long")
      ->capture_default_str();
  cmd->add_option("--max-records", flags->max_records,
                  "Stop after consuming this many messages (checkpointing first); 0 = never")
      ->envname("KAFKA_MAX_RECORDS")
      ->capture_default_str();
  cmd->add_option("--advertise-url", flags->advertise_url,
                  "Where other instances send clients for the tokens this one holds, e.g. "
                  "http://stats-1.internal:8080; default: http:// and the --listen address "
                  "(a wildcard address becomes this host's name)")
      ->envname("ADVERTISE_URL");
  cmd->add_option("--directory-topic", flags->directory_topic,
                  "Compacted topic where the group's instances announce which tokens they "
                  "hold (created with 1 partition if missing)")
      ->envname("DIRECTORY_TOPIC")
      ->capture_default_str();
  cmd->callback([flags, &ctx] { ctx.action = [flags, &ctx] { return run_stats(*flags, ctx); }; });
}

}  // namespace tokenflow::cli
