// Tests the validation in kafka/consumer and kafka/producer that happens before any broker
// is contacted: a role started with bad settings fails at once with a sentence naming them.
#include <gtest/gtest.h>

#include "kafka/consumer.hpp"
#include "kafka/errc.hpp"
#include "kafka/producer.hpp"

namespace tokenflow::kafka {
namespace {

const ClientConfig kNowhere{"127.0.0.1:1", {}};

TEST(ConsumerOptions, AGroupIsRequired) {
  auto consumer = Consumer::create(kNowhere, ConsumerOptions{.topics = {"t"}});
  ASSERT_FALSE(consumer.ok());
  EXPECT_EQ(consumer.error().code, make_error_code(errc::invalid_config));
  EXPECT_NE(consumer.error().message.find("--kafka-group"), std::string::npos);
}

TEST(ConsumerOptions, ATopicIsRequired) {
  auto consumer = Consumer::create(kNowhere, ConsumerOptions{.group_id = "g"});
  ASSERT_FALSE(consumer.ok());
  EXPECT_NE(consumer.error().message.find("--kafka-topic"), std::string::npos);
}

TEST(ConsumerOptions, AnUnknownResetPolicyIsRejected) {
  auto consumer = Consumer::create(
      kNowhere, ConsumerOptions{.group_id = "g", .topics = {"t"}, .auto_offset_reset = "oldest"});
  ASSERT_FALSE(consumer.ok());
  EXPECT_NE(consumer.error().message.find("'oldest'"), std::string::npos)
      << consumer.error().message;
}

TEST(ConsumerOptions, AUserResetPolicyIsValidatedAsOurs) {
  ClientConfig config = kNowhere;
  config.properties.push_back({"auto.offset.reset", "sideways"});
  auto consumer = Consumer::create(config, ConsumerOptions{.group_id = "g", .topics = {"t"}});
  ASSERT_FALSE(consumer.ok());
  EXPECT_NE(consumer.error().message.find("'sideways'"), std::string::npos)
      << consumer.error().message;
}

TEST(ProducerOptions, AnUnknownCompressionIsRejectedNamingTheProperty) {
  auto producer = Producer::create(kNowhere, ProducerOptions{.compression = "brotli"});
  ASSERT_FALSE(producer.ok());
  EXPECT_EQ(producer.error().code, make_error_code(errc::invalid_config));
  EXPECT_NE(producer.error().message.find("compression.type='brotli'"), std::string::npos)
      << producer.error().message;
}

TEST(ProducerOptions, ContradictoryUserSettingsAreRejectedAtCreation) {
  // Idempotence needs acks=all; librdkafka refuses the handle and says why.
  ClientConfig config = kNowhere;
  config.properties.push_back({"acks", "1"});
  auto producer = Producer::create(config);
  ASSERT_FALSE(producer.ok());
  EXPECT_NE(producer.error().message.find("acks"), std::string::npos) << producer.error().message;
}

}  // namespace
}  // namespace tokenflow::kafka
