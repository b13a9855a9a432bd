// The Kafka flags every role shares -> the client configuration: SASL over TLS from the
// original scripts' KAFKA_USERNAME / KAFKA_PASSWORD, the mechanism by flag, -X winning, and
// KAFKA_BROKERS as the bootstrap default.
#include "cli/kafka_flags.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace tokenflow::cli {
namespace {

// Parses `args` with the flags of a role, as main does.
KafkaFlags parsed(std::vector<std::string> args) {
  CLI::App app;
  KafkaFlags flags;
  add_kafka_flags(app, flags);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return flags;
}

TEST(KafkaFlags, UserAndPasswordMeanSaslOverTlsWithTheChosenMechanism) {
  auto flags = parsed({"--kafka-username", "svc", "--kafka-password", "s3cret", "--sasl-mechanism",
                       "SCRAM-SHA-512"});
  auto config = to_client_config(flags);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(kafka::find_property(*config, "security.protocol"), "SASL_SSL");
  EXPECT_EQ(kafka::find_property(*config, "sasl.mechanism"), "SCRAM-SHA-512");
  EXPECT_EQ(kafka::find_property(*config, "sasl.username"), "svc");
  EXPECT_EQ(kafka::find_property(*config, "sasl.password"), "s3cret");
  EXPECT_TRUE(kafka::make_conf(*config).ok());
}

TEST(KafkaFlags, PlainIsTheDefaultMechanismAndXOverridesEverything) {
  auto flags = parsed({"--kafka-username", "svc", "--kafka-password", "pw", "-X",
                       "security.protocol=SASL_PLAINTEXT"});
  auto config = to_client_config(flags);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(kafka::find_property(*config, "sasl.mechanism"), "PLAIN");
  EXPECT_EQ(kafka::find_property(*config, "security.protocol"), "SASL_PLAINTEXT");
}

TEST(KafkaFlags, NoUserMeansNoSaslAndHalfACredentialIsRefused) {
  auto plain = to_client_config(parsed({}));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(kafka::find_property(*plain, "security.protocol").has_value());
  KafkaFlags half;
  half.username = "svc";
  auto refused = to_client_config(half);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("KAFKA_PASSWORD"), std::string::npos);
  EXPECT_THROW(parsed({"--sasl-mechanism", "GSSAPI"}), CLI::ValidationError);
}

TEST(KafkaFlags, KafkaBrokersIsTheBootstrapUnlessKafkaBootstrapServersOrTheFlagSayOtherwise) {
  ::setenv("KAFKA_BROKERS", "broker-a:9092,broker-b:9092", 1);
  ::unsetenv("KAFKA_BOOTSTRAP_SERVERS");
  EXPECT_EQ(parsed({}).bootstrap, "broker-a:9092,broker-b:9092");
  ::setenv("KAFKA_BOOTSTRAP_SERVERS", "primary:9092", 1);
  EXPECT_EQ(parsed({}).bootstrap, "primary:9092");
  EXPECT_EQ(parsed({"--kafka-bootstrap", "flag:9092"}).bootstrap, "flag:9092");
  ::unsetenv("KAFKA_BOOTSTRAP_SERVERS");
  ::unsetenv("KAFKA_BROKERS");
  EXPECT_EQ(parsed({}).bootstrap, kDefaultBootstrap);
}

}  // namespace
}  // namespace tokenflow::cli
