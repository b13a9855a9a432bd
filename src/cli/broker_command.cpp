#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/command.hpp"
#include "cli/topics.hpp"
#include "kafka/embedded_cluster.hpp"

namespace tokenflow::cli {
namespace {

struct BrokerSettings {
  int brokers = 3;
  int partitions = 3;
};

int run_broker(const BrokerSettings& settings, CommandContext& ctx) {
  auto cluster = kafka::EmbeddedCluster::create(settings.brokers);
  if (!cluster.ok()) {
    spdlog::error("cannot start the embedded cluster: {}", cluster.error().message);
    return kExitFailure;
  }
  for (const auto& topic : kKnownTopics) {
    if (auto created = (*cluster)->create_topic(std::string(topic), settings.partitions);
        !created.ok()) {
      spdlog::error("creating topic {}: {}", topic, created.error().message);
      return kExitFailure;
    }
  }
  const auto& bootstrap = (*cluster)->bootstrap_servers();
  std::cout << bootstrap << std::endl;
  std::cerr << "\nEmbedded Kafka-protocol cluster (librdkafka's mock cluster): " << settings.brokers
            << " brokers, topics created with " << settings.partitions << " partitions.\n"
            << "Any Kafka client can use it, for example:\n"
            << "  export KAFKA_BOOTSTRAP_SERVERS=" << bootstrap << "\n"
            << "  kcat -b " << bootstrap << " -L\n"
            << "It keeps NOTHING across restarts: topics, messages and offsets live in this\n"
            << "process's memory, and each partition keeps at most ~5 MiB or 100,000 message sets\n"
            << "(the oldest are deleted beyond that). Ctrl-C stops it.\n"
            << std::endl;
  while (ctx.stop.wait_for(std::chrono::seconds(3600))) {
  }
  spdlog::info("broker: stopping; everything it held is gone");
  return kExitOk;
}

}  // namespace

void register_broker(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand(
      "broker", "Run only the embedded Kafka-protocol cluster (for development); prints its "
                "bootstrap address on stdout");
  auto settings = std::make_shared<BrokerSettings>();
  cmd->add_option("--brokers", settings->brokers, "Number of brokers")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  cmd->add_option("--partitions", settings->partitions,
                  "Partitions of each tokenflow topic it creates")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->callback([settings, &ctx] { ctx.action = [settings, &ctx] { return run_broker(*settings, ctx); }; });
}

}  // namespace tokenflow::cli
