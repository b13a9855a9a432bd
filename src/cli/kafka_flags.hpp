// The Kafka connection flags every role shares: --kafka-bootstrap (KAFKA_BOOTSTRAP_SERVERS)
// and -X key=value (any librdkafka property, SASL/SSL included).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "core/result.hpp"
#include "kafka/client_config.hpp"

namespace tokenflow::cli {

inline constexpr const char* kDefaultBootstrap = "localhost:9092";

struct KafkaFlags {
  std::string bootstrap = kDefaultBootstrap;
  std::vector<std::string> properties;
};

void add_kafka_flags(CLI::App& command, KafkaFlags& flags);
core::Result<kafka::ClientConfig> to_client_config(const KafkaFlags& flags);

}  // namespace tokenflow::cli
