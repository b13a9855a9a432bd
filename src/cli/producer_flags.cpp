#include "cli/producer_flags.hpp"

#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "http/http_server.hpp"
#include "http/prometheus.hpp"
#include "kafka/admin.hpp"

namespace tokenflow::cli {

void add_producer_flags(CLI::App& cmd, ProducerFlags& flags) {
  add_kafka_flags(cmd, flags.kafka);
  add_metrics_flags(cmd, flags.metrics);
  cmd.add_option("--kafka-topic,--topic", flags.topic, "Topic to publish to")
      ->envname("KAFKA_TOPIC")
      ->capture_default_str();
  cmd.add_option("--compression", flags.compression, "Producer compression")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}))
      ->capture_default_str();
  cmd.add_option("--linger-ms", flags.linger_ms, "How long the producer waits to fill a batch")
      ->check(CLI::Range(0, 60'000))
      ->capture_default_str();
  cmd.add_option("--partitions", flags.partitions,
                 "Partitions of the topic if tokenflow creates it (a cluster that refuses "
                 "CreateTopics, like the embedded one, keeps its own)")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
}

std::unique_ptr<kafka::Producer> open_producer(const ProducerFlags& flags, int& exit_code) {
  auto config = to_client_config(flags.kafka);
  if (!config.ok()) {
    spdlog::error("{}", config.error().message);
    exit_code = kExitUsage;
    return nullptr;
  }
  // An existing topic keeps its partitions; a missing one is created (a cluster that refuses
  // CreateTopics, like the embedded one, auto-creates it on first use instead).
  if (auto count = kafka::partition_count(*config, flags.topic, std::chrono::seconds(5));
      count.ok()) {
    spdlog::info("topic {} has {} partitions", flags.topic, *count);
  } else if (auto ensured = kafka::ensure_topic(*config, flags.topic, flags.partitions, 1,
                                                std::chrono::seconds(5));
             !ensured.ok()) {
    spdlog::warn("could not create topic {} ({}); publishing anyway", flags.topic,
                 ensured.error().message);
  }
  kafka::ProducerOptions options;
  options.compression = flags.compression;
  options.linger_ms = flags.linger_ms;
  auto producer = kafka::Producer::create(*config, options);
  if (!producer.ok()) {
    spdlog::error("{}", producer.error().message);
    exit_code = kExitUsage;
    return nullptr;
  }
  return std::move(producer).value();
}

core::Result<std::unique_ptr<http::HttpServer>> start_source_metrics(
    const ProducerFlags& flags, const std::string& role, const sources::SourceProbe& probe,
    const sources::IndexerProbe* indexer, const kafka::DeadLetterPublisher* dead_letters,
    const kafka::Producer& producer, std::function<void(http::PrometheusWriter&)> own) {
  auto text = [&probe, indexer, dead_letters, &producer, own = std::move(own)] {
    http::PrometheusWriter out;
    for (const auto* c : {&probe.read, &probe.published, &probe.dead_letters,
                          &probe.duplicates_injected, &probe.malformed_injected}) {
      out.counter(*c);
    }
    if (indexer != nullptr) {
      for (const auto* c : {&indexer->requests, &indexer->failures, &indexer->rate_limited,
                            &indexer->pages, &indexer->cursor_saves, &indexer->delivery_retries}) {
        out.counter(*c);
      }
      const auto head = indexer->head_block.get();
      const auto cursor = indexer->cursor_block.get();
      if (cursor >= 0) out.gauge(indexer->cursor_block);
      if (head >= 0) out.gauge(indexer->head_block);
      if (head >= 0 && cursor >= 0) {
        out.gauge("tokenflow_indexer_blocks_behind",
                  "the indexer's newest block minus the cursor's block (0 when caught up)",
                  static_cast<double>(std::max<std::int64_t>(0, head - cursor)));
      }
    }
    out.dead_letters({dead_letters});
    if (own) own(out);
    producer.probe().for_each([&](const kafka::Counter& c) { out.counter(c); });
    return out.take();
  };
  return start_metrics_endpoint(flags.metrics, role, {text, [] { return true; }, ""});
}

}  // namespace tokenflow::cli
