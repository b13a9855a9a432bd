#include "cli/stats_role.hpp"

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/registry_flag.hpp"
#include "core/duration.hpp"
#include "kafka/admin.hpp"

namespace tokenflow::cli {
namespace {

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

}  // namespace

bool parse_listen(const std::string& flag, const std::string& listen, std::string& host,
                  std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  int number = -1;
  if (colon != std::string::npos && colon + 1 < listen.size()) {
    try {
      std::size_t used = 0;
      number = std::stoi(listen.substr(colon + 1), &used);
      if (used != listen.size() - colon - 1) number = -1;
    } catch (const std::exception&) {
      number = -1;
    }
  }
  if (number < 0 || number > 65535) {
    spdlog::error("{} '{}' must be address:port, e.g. 127.0.0.1:8080 (port 0: any free port)",
                  flag, listen);
    return false;
  }
  host = listen.substr(0, colon);
  port = static_cast<std::uint16_t>(number);
  return true;
}

StatsRole::~StatsRole() { detach(); }  // close() was called, or no server was attached

std::unique_ptr<StatsRole> StatsRole::create(const StatsFlags& flags,
                                             const kafka::ClientConfig& config, int& exit_code) {
  exit_code = kExitUsage;
  std::unique_ptr<StatsRole> role(new StatsRole());
  role->flags_ = flags;
  auto windows = stream::WindowConfig::parse(flags.windows, flags.bucket_step);
  if (!windows.ok()) {
    spdlog::error("{}", windows.error().message);
    return nullptr;
  }
  auto max_skew = duration_flag("--max-skew", flags.max_skew);
  auto checkpoint_interval = duration_flag("--checkpoint-interval", flags.checkpoint_interval);
  auto push_interval = duration_flag("--push-interval", flags.push_interval);
  auto idle_timeout = duration_flag("--idle-timeout", flags.idle_timeout);
  auto dedup_ttl = flags.dedup_ttl.empty() ? std::optional(windows->largest().length)
                                           : duration_flag("--dedup-ttl", flags.dedup_ttl);
  if (!max_skew || !checkpoint_interval || !push_interval || !idle_timeout || !dedup_ttl) {
    return nullptr;
  }
  role->push_interval_ = *push_interval;
  role->idle_timeout_ = *idle_timeout;
  if (!parse_listen("--listen", flags.listen, role->host_, role->port_)) return nullptr;

  exit_code = kExitFailure;
  // The topics must exist: their partitions are what the group's instances share.
  auto partitions = kafka::partition_count(config, flags.topic, std::chrono::seconds(10));
  if (!partitions.ok()) {
    spdlog::error("stats: cannot learn the partitions of {}: {}", flags.topic,
                  partitions.error().message);
    return nullptr;
  }
  processors::StatsSettings settings{*windows, *dedup_ttl, *max_skew,
                                     !flags.transfers_topic.empty()};
  if (!flags.transfers_topic.empty()) {
    if (flags.transfers_topic == flags.topic) {
      spdlog::error("--transfers-topic names the swaps topic {}; name the transfers topic "
                    "(e.g. {})",
                    flags.topic, kTransfersTopic);
      exit_code = kExitUsage;
      return nullptr;
    }
    role->registry_ = load_registry(flags.registry_file);
    if (!role->registry_) {
      exit_code = kExitUsage;
      return nullptr;
    }
    auto transfer_partitions =
        kafka::partition_count(config, flags.transfers_topic, std::chrono::seconds(10));
    if (!transfer_partitions.ok()) {
      spdlog::error("stats: cannot learn the partitions of {}: {}", flags.transfers_topic,
                    transfer_partitions.error().message);
      return nullptr;
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
  role->store_ = std::make_unique<processors::StatsStore>(settings);

  auto producer = kafka::Producer::create(config, kafka::ProducerOptions{});
  if (!producer.ok()) {
    spdlog::error("{}", producer.error().message);
    exit_code = kExitUsage;
    return nullptr;
  }
  role->producer_ = std::move(producer).value();
  processors::StatsServiceOptions options;
  options.topic = flags.topic;
  options.transfers_topic = flags.transfers_topic;
  options.registry = role->registry_ ? &*role->registry_ : nullptr;
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
  role->service_ = std::make_unique<processors::StatsService>(options, config, consumer,
                                                              *role->store_, *role->producer_);

  if (!ensure_directory_topic(config, flags.directory_topic)) return nullptr;
  role->api_ = std::make_unique<StatsApi>(*role->store_, http::ApiKeys(flags.api_keys),
                                          flags.rate_limit);
  StatsApi& api = *role->api_;
  api.swaps_topic = flags.topic;
  api.transfers_topic = flags.transfers_topic;
  processors::DirectoryOptions directory_options;
  directory_options.topic = flags.directory_topic;
  directory_options.group = flags.group;
  directory_options.swaps_topic = flags.topic;
  directory_options.transfers_topic = flags.transfers_topic;
  directory_options.instance = processors::instance_name();
  auto directory = processors::StatsDirectory::create(directory_options, config, *role->store_);
  if (!directory.ok()) {
    spdlog::error("stats: {}", directory.error().message);
    return nullptr;
  }
  role->directory_ = std::move(directory).value();
  api.directory = role->directory_.get();
  // Ready once the partitions are restored and the other instances' tokens are known.
  StatsRole* self = role.get();
  api.ready = [self] { return self->ready(); };
  api.extra_metrics = [self](http::PrometheusWriter& out) { self->add_metrics(out); };
  exit_code = kExitOk;
  return role;
}

void StatsRole::add_metrics(http::PrometheusWriter& out) const {
  service_->probe().for_each([&](const kafka::Counter& c) { out.counter(c); });
  service_->probe().for_each_gauge([&](const kafka::Gauge& g) { out.gauge(g); });
  const auto last = service_->probe().last_checkpoint_ms.get();
  const auto age = core::now_millis().value - last;
  out.gauge("tokenflow_stats_checkpoint_age_seconds", "seconds since the last checkpoint",
            last == 0 ? -1 : static_cast<double>(age) / 1000);
  if (const auto* c = service_->consumer_probe()) out.consumer(*c);
  out.dead_letters({&service_->dead_letters(), &service_->late()});
  producer_->probe().for_each([&](const kafka::Counter& counter) { out.counter(counter); });
  const auto& d = directory_->probe();
  out.counter(d.published);
  out.counter(d.publish_failures);
  out.counter(d.read);
  out.counter(d.ignored);
  out.counter(d.redirects);
  out.gauge(d.known_tokens);
}

http::HttpServerOptions StatsRole::server_options() const {
  http::HttpServerOptions options;
  options.address = host_;
  options.port = port_;
  options.max_request_bytes = flags_.max_request_bytes;
  options.idle_timeout = idle_timeout_;
  options.threads = flags_.http_threads;
  options.name = "stats";
  return options;
}

void StatsRole::attach(http::HttpServer& server) {
  http::WebSocketOptions ws_options;
  ws_options.push_interval = push_interval_;
  ws_options.idle_timeout = std::max(idle_timeout_, std::chrono::milliseconds(10'000));
  hub_ = std::make_unique<http::WebSocketHub>(server.io_context(), ws_options, api_->push_source());
  api_->hub = hub_.get();
  hub_->start();
  directory_->start(advertised_url(flags_, host_, server.port()));
  spdlog::info("stats: answering at {} (--advertise-url); tokens held by other instances of "
               "group {} are redirected there, as told by {}",
               directory_->self_url(), flags_.group, flags_.directory_topic);
}

void StatsRole::detach() {
  if (hub_) hub_->stop();
  if (directory_) directory_->stop();
}

void StatsRole::close() {
  // The hub's timer belongs to the server's io_context: it goes after the server's threads
  // stopped (nothing calls the API any more) and before the server is destroyed.
  api_->hub = nullptr;
  hub_.reset();
}

core::Result<void> StatsRole::run(const core::StopSignal& stop) {
  spdlog::info("stats: windows {}, buckets of {}, dedup ttl {}, max skew {}, backpressure {} "
               "(queue of {} messages)",
               flags_.windows, flags_.bucket_step,
               flags_.dedup_ttl.empty() ? "the largest window" : flags_.dedup_ttl,
               flags_.max_skew, flags_.backpressure, flags_.queue_messages);
  return service_->run(stop);
}

}  // namespace tokenflow::cli
