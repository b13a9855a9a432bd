// The flags every `produce` source shares (Kafka connection, topic, compression, linger,
// partitions) and opening the producer from them, topic created if missing.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/kafka_flags.hpp"
#include "cli/topics.hpp"
#include "kafka/producer.hpp"

namespace tokenflow::cli {

struct ProducerFlags {
  KafkaFlags kafka;
  std::string topic{kTransfersTopic};
  std::string compression = "lz4";
  int linger_ms = 5;
  int partitions = 12;
};

void add_producer_flags(CLI::App& cmd, ProducerFlags& flags);

// Opens the producer and makes sure the topic exists. On bad flags: nullptr, with the
// message logged and `exit_code` set to kExitUsage.
std::unique_ptr<kafka::Producer> open_producer(const ProducerFlags& flags, int& exit_code);

}  // namespace tokenflow::cli
