#include "cli/kafka_flags.hpp"

#include <cstdlib>

#include "kafka/errc.hpp"

namespace tokenflow::cli {

void add_kafka_flags(CLI::App& command, KafkaFlags& flags) {
  // Read here, in the cli, so the scripts' deployments work unchanged; nothing below reads it.
  if (const char* brokers = std::getenv("KAFKA_BROKERS"); brokers != nullptr && *brokers != '\0') {
    flags.bootstrap = brokers;
  }
  command.add_option("--kafka-bootstrap,--bootstrap-servers", flags.bootstrap,
                     "Kafka bootstrap servers, host:port[,host:port...] (also from "
                     "KAFKA_BROKERS)")
      ->envname("KAFKA_BOOTSTRAP_SERVERS")
      ->capture_default_str();
  command.add_option("--kafka-username", flags.username,
                     "SASL user: connects with security.protocol=SASL_SSL (prefer the "
                     "environment variable: a flag shows in ps)")
      ->envname("KAFKA_USERNAME");
  command.add_option("--kafka-password", flags.password, "SASL password (with --kafka-username)")
      ->envname("KAFKA_PASSWORD");
  command.add_option("--sasl-mechanism", flags.sasl_mechanism,
                     "SASL mechanism with --kafka-username")
      ->check(CLI::IsMember({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}))
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
  if (flags.username.empty() != flags.password.empty()) {
    return kafka::make_error(kafka::errc::invalid_config,
                             "SASL needs both a user and a password: set KAFKA_USERNAME and "
                             "KAFKA_PASSWORD (or --kafka-username and --kafka-password), or "
                             "neither");
  }
  if (flags.sasl_mechanism != "PLAIN" && flags.sasl_mechanism != "SCRAM-SHA-256" &&
      flags.sasl_mechanism != "SCRAM-SHA-512") {
    return kafka::make_error(kafka::errc::invalid_config,
                             "--sasl-mechanism '" + flags.sasl_mechanism +
                                 "' is not PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
  }
  kafka::Properties all;
  if (!flags.username.empty()) {
    // First, so that any -X of the same key (applied later) wins.
    all = {{"security.protocol", "SASL_SSL"},
           {"sasl.mechanism", flags.sasl_mechanism},
           {"sasl.username", flags.username},
           {"sasl.password", flags.password}};
  }
  all.insert(all.end(), properties->begin(), properties->end());
  return kafka::ClientConfig{flags.bootstrap, std::move(all)};
}

}  // namespace tokenflow::cli
