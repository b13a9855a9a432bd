// What every `tokenflow sink <store>` command shares once its store is configured: the
// dead-letter producer, the consumer group, the EventSink loop, /metrics, and the exit code;
// and the flags of the loop itself (--max-records, --batch-timeout-ms). A sink command adds
// only its store's flags and a factory for its store (sink_command.cpp: PostgreSQL,
// sink_redis_command.cpp: Redis).
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "cli/command.hpp"
#include "cli/metrics_endpoint.hpp"
#include "cli/sink_metrics.hpp"
#include "http/http_server.hpp"
#include "kafka/client_config.hpp"
#include "kafka/producer.hpp"
#include "sinks/event_sink.hpp"

namespace tokenflow::cli {

struct SinkRun {
  sinks::SinkOptions sink;
  std::string group;
  std::string client_id;  // the consumer's client.id, e.g. tokenflow-sink-redis
  MetricsFlags metrics;
};

// --max-records (KAFKA_MAX_RECORDS) and --batch-timeout-ms, the same for every sink.
void add_sink_loop_flags(CLI::App& command, sinks::SinkOptions& options);

template <class Events>
int run_event_sink(const SinkRun& run, const kafka::ClientConfig& config,
                   typename sinks::EventSink<Events>::StoreFactory make_store,
                   CommandContext& ctx) {
  auto producer = kafka::Producer::create(config, kafka::ProducerOptions{});
  if (!producer.ok()) {
    spdlog::error("{}", producer.error().message);
    return kExitUsage;
  }
  kafka::ConsumerOptions consumer;
  consumer.group_id = run.group;
  consumer.topics = {run.sink.topic};
  consumer.client_id = run.client_id;
  // A caught-up sink should see a new message at once, not when the broker's hold on an
  // empty fetch expires (the embedded cluster holds it for the whole wait).
  consumer.fetch_wait_max_ms = 10;
  sinks::EventSink<Events> sink(run.sink, config, consumer, std::move(make_store), **producer);
  const kafka::Producer& dead_letters = **producer;
  auto metrics = start_metrics_endpoint(
      run.metrics, "sink",
      {[&sink, &dead_letters] { return sink_metrics(sink, dead_letters); },
       [&sink] { return sink.consumer_probe() != nullptr; }, "not in its consumer group yet"});
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    return kExitUsage;
  }
  auto result = sink.run(ctx.stop);
  if (!result.ok()) {
    spdlog::error("sink: {}", result.error().message);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace tokenflow::cli
