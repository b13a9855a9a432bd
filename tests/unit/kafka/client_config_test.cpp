// Tests kafka/client_config: -X parsing and building a checked librdkafka configuration.
#include "kafka/client_config.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "kafka/errc.hpp"

namespace tokenflow::kafka {
namespace {

std::string conf_value(rd_kafka_conf_t* conf, const char* key) {
  std::array<char, 256> buf{};
  std::size_t size = buf.size();
  if (rd_kafka_conf_get(conf, key, buf.data(), &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return buf.data();
}

TEST(ParseProperty, SplitsAtTheFirstEquals) {
  auto p = parse_property("sasl.oauthbearer.config=scope=a=b");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->first, "sasl.oauthbearer.config");
  EXPECT_EQ(p->second, "scope=a=b");
}

TEST(ParseProperty, AllowsAnEmptyValue) {
  auto p = parse_property("debug=");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->first, "debug");
  EXPECT_EQ(p->second, "");
}

TEST(ParseProperty, RejectsTextWithoutEqualsNamingTheTextAndTheForm) {
  auto p = parse_property("linger.ms");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, make_error_code(errc::invalid_config));
  EXPECT_NE(p.error().message.find("'linger.ms'"), std::string::npos) << p.error().message;
  EXPECT_NE(p.error().message.find("key=value"), std::string::npos) << p.error().message;
}

TEST(ParseProperty, RejectsAnEmptyKey) {
  auto p = parse_property("=5");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("empty"), std::string::npos) << p.error().message;
}

TEST(ParseProperty, RejectsWhitespaceInTheKey) {
  auto p = parse_property("linger.ms =5");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("whitespace"), std::string::npos) << p.error().message;
}

TEST(ParseProperties, ReportsTheFirstBadOne) {
  const std::vector<std::string> texts = {"linger.ms=5", "oops", "acks=all"};
  auto p = parse_properties(texts);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("'oops'"), std::string::npos);

  const std::vector<std::string> good = {"linger.ms=5", "acks=all"};
  auto q = parse_properties(good);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->size(), 2u);
}

TEST(FindProperty, TheLastSettingWins) {
  ClientConfig config{"localhost:9092", {{"linger.ms", "1"}, {"acks", "1"}, {"linger.ms", "7"}}};
  EXPECT_EQ(find_property(config, "linger.ms"), "7");
  EXPECT_EQ(find_property(config, "batch.size"), std::nullopt);
}

TEST(MakeConf, AnUnknownKeyIsRejectedNamingKeyValueAndLibrdkafkasReason) {
  ClientConfig config{"localhost:9092", {{"no.such.property", "1"}}};
  auto conf = make_conf(config);
  ASSERT_FALSE(conf.ok());
  const auto& message = conf.error().message;
  EXPECT_EQ(conf.error().code, make_error_code(errc::invalid_config));
  EXPECT_NE(message.find("no.such.property"), std::string::npos) << message;
  EXPECT_NE(message.find("'1'"), std::string::npos) << message;
  EXPECT_NE(message.find("No such configuration property"), std::string::npos) << message;
}

TEST(MakeConf, ABadValueIsRejectedNamingKeyAndValue) {
  ClientConfig config{"localhost:9092", {{"linger.ms", "soon"}}};
  auto conf = make_conf(config);
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(conf.error().message.find("linger.ms='soon'"), std::string::npos)
      << conf.error().message;
}

TEST(MakeConf, SecretValuesAreRedactedFromErrors) {
  ClientConfig config{"localhost:9092", {{"sasl.passwordd", "hunter2"}}};
  auto conf = make_conf(config);
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(conf.error().message.find("hunter2"), std::string::npos) << conf.error().message;
  EXPECT_NE(conf.error().message.find("redacted"), std::string::npos) << conf.error().message;
}

TEST(MakeConf, UserPropertiesOverrideRoleDefaults) {
  ClientConfig config{"broker-a:9092", {{"linger.ms", "50"}}};
  auto conf = make_conf(config, {{"linger.ms", "5"}, {"acks", "all"}});
  ASSERT_TRUE(conf.ok()) << conf.error().message;
  EXPECT_EQ(conf_value(conf->get(), "linger.ms"), "50");
  EXPECT_EQ(conf_value(conf->get(), "acks"), "-1");  // librdkafka's spelling of "all"
  EXPECT_EQ(conf_value(conf->get(), "bootstrap.servers"), "broker-a:9092");
}

TEST(MakeConf, ABadRoleDefaultIsRejectedToo) {
  auto conf = make_conf(ClientConfig{"localhost:9092", {}}, {{"compression.type", "brotli"}});
  ASSERT_FALSE(conf.ok());
  EXPECT_NE(conf.error().message.find("compression.type='brotli'"), std::string::npos)
      << conf.error().message;
}

TEST(MakeConf, RequiresBootstrapServersSomewhere) {
  auto missing = make_conf(ClientConfig{});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("KAFKA_BOOTSTRAP_SERVERS"), std::string::npos);

  auto via_x = make_conf(ClientConfig{"", {{"bootstrap.servers", "b:9092"}}});
  ASSERT_TRUE(via_x.ok()) << via_x.error().message;
  EXPECT_EQ(conf_value(via_x->get(), "bootstrap.servers"), "b:9092");
}

TEST(KafkaErrc, HasACategoryWithOneSentencePerCode) {
  const std::error_code code = errc::offset_out_of_range;
  EXPECT_STREQ(code.category().name(), "tokenflow.kafka");
  EXPECT_NE(code.message().find("tokenflow replay"), std::string::npos);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET), errc::offset_out_of_range);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), errc::delivery_failed);
  // `tokenflow topics create` tells an existing topic apart; an old broker's missing request.
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS), errc::topic_exists);
  EXPECT_EQ(classify(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE), errc::not_supported);
  auto error = make_error(RD_KAFKA_RESP_ERR__TRANSPORT, "producing to t[1]");
  EXPECT_EQ(error.code, make_error_code(errc::transport_failure));
  EXPECT_NE(error.message.find("producing to t[1]: "), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("_TRANSPORT"), std::string::npos) << error.message;
}

}  // namespace
}  // namespace tokenflow::kafka
