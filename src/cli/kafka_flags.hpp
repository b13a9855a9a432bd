// The Kafka connection flags every role shares: --kafka-bootstrap (KAFKA_BOOTSTRAP_SERVERS,
// or the original scripts' KAFKA_BROKERS), SASL over TLS from --kafka-username /
// --kafka-password (KAFKA_USERNAME / KAFKA_PASSWORD) with --sasl-mechanism, and -X key=value
// (any librdkafka property, SASL/SSL included; it wins over everything above).
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
  // Set: security.protocol=SASL_SSL with this user, password and mechanism.
  std::string username;
  std::string password;
  std::string sasl_mechanism = "PLAIN";
};

// The bootstrap default: KAFKA_BROKERS when set (the original scripts' name), else
// localhost:9092; KAFKA_BOOTSTRAP_SERVERS and the flag override it.
void add_kafka_flags(CLI::App& command, KafkaFlags& flags);
// Errors: a bad -X, a username without a password (or the reverse), an unknown mechanism.
core::Result<kafka::ClientConfig> to_client_config(const KafkaFlags& flags);

}  // namespace tokenflow::cli
