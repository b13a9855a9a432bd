// The flags every `produce` source shares (Kafka connection, topic, compression, linger,
// partitions, metrics endpoint), opening the producer from them (topic created if
// missing), and the source's /metrics.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "cli/kafka_flags.hpp"
#include "cli/metrics_endpoint.hpp"
#include "cli/topics.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/producer.hpp"
#include "sources/source_probe.hpp"

namespace tokenflow::http {
class PrometheusWriter;
}

namespace tokenflow::cli {

struct ProducerFlags {
  KafkaFlags kafka;
  std::string topic{kTransfersTopic};
  std::string compression = "lz4";
  int linger_ms = 5;
  int partitions = 12;
  MetricsFlags metrics;
};

void add_producer_flags(CLI::App& cmd, ProducerFlags& flags);

// Opens the producer and makes sure the topic exists. On bad flags: nullptr, with the
// message logged and `exit_code` set to kExitUsage.
std::unique_ptr<kafka::Producer> open_producer(const ProducerFlags& flags, int& exit_code);

// /metrics of a running source (--metrics-port): its probe, the indexer's (GraphQL only),
// the dead letters by reason (sources that have them), what `own` writes (a source's own
// families, e.g. the price poller's) and the producer's counters. Null when the flag is
// unset; an error when the port is taken.
core::Result<std::unique_ptr<http::HttpServer>> start_source_metrics(
    const ProducerFlags& flags, const std::string& role, const sources::SourceProbe& probe,
    const sources::IndexerProbe* indexer, const kafka::DeadLetterPublisher* dead_letters,
    const kafka::Producer& producer, std::function<void(http::PrometheusWriter&)> own = {});

}  // namespace tokenflow::cli
