#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/registry_flag.hpp"
#include "cli/stats_api.hpp"
#include "cli/topics.hpp"
#include "core/duration.hpp"
#include "kafka/admin.hpp"
#include "kafka/producer.hpp"
#include "processors/stats/stats_service.hpp"

namespace tokenflow::cli {
namespace {

struct StatsFlags {
  KafkaFlags kafka;
  std::string topic{kSwapsTopic};
  std::string transfers_topic;  // empty: swaps only
  std::string registry_file;
  std::string group = "tokenflow-stats";
  std::string windows = "5m,1h,24h";
  std::string bucket_step = "5s";
  std::string dedup_ttl;  // empty: the largest window
  std::string max_skew = "5s";
  std::string backpressure = "block";
  std::size_t queue_messages = 65'536;
  std::string checkpoint_interval = "5s";
  std::string state_dir = "tokenflow-stats-state";
  std::string push_interval = "250ms";
  std::vector<std::string> api_keys;
  double rate_limit = 0;
  std::string listen = "0.0.0.0:8080";
  int http_threads = 1;
  std::size_t max_request_bytes = 16 * 1024;
  std::string idle_timeout = "30s";
  std::uint64_t max_records = 0;
  std::string advertise_url;  // empty: http://<listen address>
  std::string directory_topic{kDirectoryTopic};
};

// The URL other instances send clients to: --advertise-url, else the listen address (a
// wildcard address replaced by this host's name, which peers can usually resolve).
std::string advertised_url(const StatsFlags& flags, const std::string& host, std::uint16_t port) {
  if (!flags.advertise_url.empty()) {
    std::string url = flags.advertise_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  std::string name = host;
  if (name.empty() || name == "0.0.0.0" || name == "::" || name == "[::]") {
    const std::string instance = processors::instance_name();
    name = instance.substr(0, instance.rfind(':'));
  }
  return "http://" + name + ":" + std::to_string(port);
}

// The directory topic exists, or is created compacted; false (logged) when neither.
bool ensure_directory_topic(const kafka::ClientConfig& config, const std::string& topic) {
  if (kafka::partition_count(config, topic, std::chrono::seconds(5)).ok()) return true;
  auto created = kafka::ensure_topic(config, topic, 1, 1, std::chrono::seconds(5),
                                     {{"cleanup.policy", "compact"}});
  if (!created.ok()) {
    spdlog::error("stats: the directory topic {} does not exist and cannot be created ({}); "
                  "create it (1 partition, cleanup.policy=compact) or name another with "
                  "--directory-topic",
                  topic, created.error().message);
    return false;
  }
  spdlog::info("stats: created the directory topic {} (compacted)", topic);
  return true;
}

// Parses a duration flag; logs and returns nullopt when it is not one.
std::optional<std::chrono::milliseconds> duration_flag(const char* flag, const std::string& text) {
  auto parsed = core::parse_duration(text);
  if (!parsed.ok()) {
    spdlog::error("{}: {}", flag, parsed.error().message);
    return std::nullopt;
  }
  return *parsed;
}

int run_stats(StatsFlags& flags, CommandContext& ctx) {
  auto windows = stream::WindowConfig::parse(flags.windows, flags.bucket_step);
  if (!windows.ok()) {
    spdlog::error("{}", windows.error().message);
    return kExitUsage;
  }
  auto max_skew = duration_flag("--max-skew", flags.max_skew);
  auto checkpoint_interval = duration_flag("--checkpoint-interval", flags.checkpoint_interval);
  auto push_interval = duration_flag("--push-interval", flags.push_interval);
  auto idle_timeout = duration_flag("--idle-timeout", flags.idle_timeout);
  auto dedup_ttl = flags.dedup_ttl.empty() ? std::optional(windows->largest().length)
                                           : duration_flag("--dedup-ttl", flags.dedup_ttl);
  if (!max_skew || !checkpoint_interval || !push_interval || !idle_timeout || !dedup_ttl) {
    return kExitUsage;
  }
  const auto colon = flags.listen.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    try {
      port = std::stoi(flags.listen.substr(colon + 1));
    } catch (const std::exception&) {
      port = -1;
    }
  }
  if (port < 0 || port > 65535) {
    spdlog::error("--listen '{}' must be address:port, e.g. 0.0.0.0:8080", flags.listen);
    return kExitUsage;
  }
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    return kExitUsage;
  }
  // Who owns a token is its partition: the topics' partition counts must be known.
  auto partitions = kafka::partition_count(*config, flags.topic, std::chrono::seconds(10));
  if (!partitions.ok()) {
    spdlog::error("stats: cannot learn the partitions of {}: {}", flags.topic,
                  partitions.error().message);
    return kExitFailure;
  }
  processors::StatsSettings settings{*windows, *dedup_ttl, *max_skew,
                                     !flags.transfers_topic.empty()};
  std::optional<core::TokenRegistry> registry;
  if (!flags.transfers_topic.empty()) {
    if (flags.transfers_topic == flags.topic) {
      spdlog::error("--transfers-topic names the swaps topic {}; name the transfers topic "
                    "(e.g. {})",
                    flags.topic, kTransfersTopic);
      return kExitUsage;
    }
    registry = load_registry(flags.registry_file);
    if (!registry) return kExitUsage;
    auto transfer_partitions =
        kafka::partition_count(*config, flags.transfers_topic, std::chrono::seconds(10));
    if (!transfer_partitions.ok()) {
      spdlog::error("stats: cannot learn the partitions of {}: {}", flags.transfers_topic,
                    transfer_partitions.error().message);
      return kExitFailure;
    }
    if (*transfer_partitions != *partitions) {
      spdlog::warn(
          "stats: {} has {} partitions and {} has {}: a token's swaps and transfers may then be "
          "owned by two instances of the group, and neither answers for it (503); give both "
          "topics the same partition count, and their producers the same partitioner, to run "
          "more than one instance",
          flags.topic, *partitions, flags.transfers_topic, *transfer_partitions);
    }
  } else if (!flags.registry_file.empty()) {
    spdlog::warn("stats: --registry is only used with --transfers-topic; ignored");
  }
  processors::StatsStore store(settings);

  auto producer = kafka::Producer::create(*config, kafka::ProducerOptions{});
  if (!producer.ok()) {
    spdlog::error("{}", producer.error().message);
    return kExitUsage;
  }
  processors::StatsServiceOptions options;
  options.topic = flags.topic;
  options.transfers_topic = flags.transfers_topic;
  options.registry = registry ? &*registry : nullptr;
  options.late_topic = std::string(kLateTopic);
  options.state_dir = flags.state_dir;
  options.checkpoint_interval = *checkpoint_interval;
  options.backpressure = flags.backpressure == "drop"     ? processors::Backpressure::drop
                         : flags.backpressure == "buffer" ? processors::Backpressure::buffer
                                                          : processors::Backpressure::block;
  options.queue_messages = flags.queue_messages;
  options.max_records = flags.max_records;
  kafka::ConsumerOptions consumer;
  consumer.group_id = flags.group;  // topics and assignor: the service's
  consumer.client_id = "tokenflow-stats";
  consumer.fetch_wait_max_ms = 10;  // answers and pushes should follow the stream closely
  processors::StatsService service(options, *config, consumer, store, **producer);

  if (!ensure_directory_topic(*config, flags.directory_topic)) return kExitFailure;

  StatsApi api(store, http::ApiKeys(flags.api_keys), flags.rate_limit);
  api.swaps_topic = flags.topic;
  api.transfers_topic = flags.transfers_topic;
  processors::DirectoryOptions directory_options;
  directory_options.topic = flags.directory_topic;
  directory_options.group = flags.group;
  directory_options.swaps_topic = flags.topic;
  directory_options.transfers_topic = flags.transfers_topic;
  directory_options.instance = processors::instance_name();
  auto directory = processors::StatsDirectory::create(directory_options, *config, store);
  if (!directory.ok()) {
    spdlog::error("stats: {}", directory.error().message);
    return kExitFailure;
  }
  api.directory = directory->get();
  // Ready once the partitions are restored and the other instances' tokens are known.
  api.ready = [&service, &api] { return service.ready() && api.directory->caught_up(); };
  api.extra_metrics = [&](http::PrometheusWriter& out) {
    service.probe().for_each([&](const kafka::Counter& c) { out.counter(c); });
    service.probe().for_each_gauge([&](const kafka::Gauge& g) { out.gauge(g); });
    const auto age = core::now_millis().value - service.probe().last_checkpoint_ms.get();
    out.gauge("tokenflow_stats_checkpoint_age_seconds", "seconds since the last checkpoint",
              service.probe().last_checkpoint_ms.get() == 0 ? -1 : static_cast<double>(age) / 1000);
    if (const auto* c = service.consumer_probe()) {
      c->for_each([&](const kafka::Counter& counter) { out.counter(counter); });
    }
    (*producer)->probe().for_each([&](const kafka::Counter& counter) { out.counter(counter); });
    if (api.directory != nullptr) {
      const auto& d = api.directory->probe();
      out.counter(d.published);
      out.counter(d.publish_failures);
      out.counter(d.read);
      out.counter(d.ignored);
      out.counter(d.redirects);
      out.gauge(d.known_tokens);
    }
  };
  http::HttpServerOptions server_options;
  server_options.address = flags.listen.substr(0, colon);
  server_options.port = static_cast<std::uint16_t>(port);
  server_options.max_request_bytes = flags.max_request_bytes;
  server_options.idle_timeout = *idle_timeout;
  server_options.threads = flags.http_threads;
  server_options.name = "stats";
  http::HttpServer server(
      server_options,
      [&api](const http::Request& r, const http::ClientInfo& c) { return api.answer(r, c); },
      [&api](boost::asio::ip::tcp::socket s, http::Request r, http::ClientInfo c) {
        api.upgrade(std::move(s), std::move(r), c);
      });
  http::WebSocketOptions ws_options;
  ws_options.push_interval = *push_interval;
  ws_options.idle_timeout = std::max(*idle_timeout, std::chrono::milliseconds(10'000));
  http::WebSocketHub hub(server.io_context(), ws_options, api.push_source());
  api.hub = &hub;
  if (auto started = server.start(); !started.ok()) {
    spdlog::error("{}", started.error().message);
    return kExitUsage;
  }
  hub.start();
  (*directory)->start(advertised_url(flags, server_options.address, server.port()));
  spdlog::info("stats: answering at {} (--advertise-url); tokens held by other instances of "
               "group {} are redirected there, as told by {}",
               (*directory)->self_url(), flags.group, flags.directory_topic);
  spdlog::info("stats: windows {} of {} buckets, dedup ttl {}, max skew {}, backpressure {} "
               "(queue of {} messages)",
               flags.windows, core::format_duration(windows->step()),
               core::format_duration(*dedup_ttl), core::format_duration(*max_skew),
               flags.backpressure, flags.queue_messages);
  auto result = service.run(ctx.stop);
  hub.stop();
  server.stop();
  (*directory)->stop();
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
