#include "cli/kafka_flags.hpp"

namespace tokenflow::cli {

void add_kafka_flags(CLI::App& command, KafkaFlags& flags) {
  command.add_option("--kafka-bootstrap,--bootstrap-servers", flags.bootstrap,
                     "Kafka bootstrap servers, host:port[,host:port...]")
      ->envname("KAFKA_BOOTSTRAP_SERVERS")
      ->capture_default_str();
  command.add_option("-X", flags.properties,
                     "Any librdkafka property, e.g. -X security.protocol=SASL_SSL "
                     "-X sasl.mechanism=PLAIN (repeatable; overrides tokenflow's defaults)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

core::Result<kafka::ClientConfig> to_client_config(const KafkaFlags& flags) {
  auto properties = kafka::parse_properties(flags.properties);
  if (!properties.ok()) return std::move(properties).error();
  return kafka::ClientConfig{flags.bootstrap, std::move(properties).value()};
}

}  // namespace tokenflow::cli
