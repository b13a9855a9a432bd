// What `tokenflow topics list` / `describe` print, without a cluster: JSON that parses back to
// the same numbers (names escaped, sensitive values null), settings filtered to the
// non-default ones unless --all-configs, and the reason when they could not be read.
#include "cli/topics_report.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace tokenflow::cli {
namespace {

TopicReport sample_report() {
  TopicReport report;
  report.topic.name = "odd\"name";
  report.topic.partitions = {{core::Partition{0}, 2, {2, 3}, {2}, ""},
                             {core::Partition{1}, -1, {3, 1}, {}, "Broker: Leader not available"}};
  report.watermarks = {{core::Offset{40}, core::Offset{100}}, {core::Offset{7}, core::Offset{7}}};
  report.configs = std::vector<kafka::ConfigEntry>{
      {"cleanup.policy", "compact", "DYNAMIC_TOPIC_CONFIG", false, false, false},
      {"retention.ms", "604800000", "DEFAULT_CONFIG", true, false, false},
      {"sasl.jaas.config", std::nullopt, "DYNAMIC_TOPIC_CONFIG", false, false, true}};
  return report;
}

TEST(TopicsReport, RetainedIsLogEndMinusLogStartNeverNegative) {
  EXPECT_EQ(retained_messages(kafka::Watermarks{core::Offset{40}, core::Offset{100}}), 60);
  EXPECT_EQ(retained_messages(kafka::Watermarks{core::Offset{5}, core::Offset{3}}), 0);
  EXPECT_EQ(retained_messages(sample_report()), 60);
}

TEST(TopicsReport, ListAsJsonParsesBackToTheSameTopics) {
  const std::string json = render_topic_list(
      {{"a\\b", 3, 12}, {"stablecoin-transfers", 24, 9'000'000'000}}, ReportFormat::json);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  auto topics = doc["topics"].get_array();
  ASSERT_EQ(topics.size(), 2u);
  EXPECT_EQ(std::string_view(topics.at(0)["name"]), "a\\b");
  EXPECT_EQ(std::int64_t(topics.at(0)["partitions"]), 3);
  EXPECT_EQ(std::int64_t(topics.at(1)["messages"]), 9'000'000'000);
}

TEST(TopicsReport, ListAsTextIsAHeaderAndOneAlignedLinePerTopic) {
  const std::string text =
      render_topic_list({{"a", 3, 12}, {"longer.name", 24, 0}}, ReportFormat::text);
  EXPECT_EQ(text,
            "TOPIC        PARTITIONS      MESSAGES\n"
            "a                     3            12\n"
            "longer.name          24             0\n");
}

TEST(TopicsReport, DescribeAsJsonCarriesEveryPartitionAndOnlyNonDefaultSettings) {
  const std::string json = render_topic_report(sample_report(), ReportFormat::json);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["name"]), "odd\"name");
  EXPECT_EQ(std::int64_t(doc["messages"]), 60);
  auto partitions = doc["partitions"].get_array();
  ASSERT_EQ(partitions.size(), 2u);
  EXPECT_EQ(std::int64_t(partitions.at(0)["log_start"]), 40);
  EXPECT_EQ(std::int64_t(partitions.at(0)["log_end"]), 100);
  EXPECT_EQ(std::int64_t(partitions.at(0)["in_sync_replicas"].at(0)), 2);
  EXPECT_EQ(std::int64_t(partitions.at(1)["leader"]), -1);
  EXPECT_EQ(partitions.at(1)["in_sync_replicas"].get_array().size(), 0u);
  EXPECT_EQ(std::string_view(partitions.at(1)["error"]), "Broker: Leader not available");
  auto config = doc["config"].get_array();
  ASSERT_EQ(config.size(), 2u) << json;  // the default retention.ms left out
  EXPECT_EQ(std::string_view(config.at(0)["value"]), "compact");
  EXPECT_TRUE(config.at(1)["value"].is_null());
  EXPECT_TRUE(bool(config.at(1)["sensitive"]));
  EXPECT_TRUE(doc["config_error"].is_null());

  auto everything = sample_report();
  everything.all_configs = true;
  ASSERT_EQ(parser.parse(render_topic_report(everything, ReportFormat::json)).get(doc),
            simdjson::SUCCESS);
  EXPECT_EQ(doc["config"].get_array().size(), 3u);
}

TEST(TopicsReport, DescribeSaysWhyTheSettingsAreMissing) {
  auto report = sample_report();
  report.configs.reset();
  report.config_error = "no DescribeConfigs here";
  const std::string text = render_topic_report(report, ReportFormat::text);
  EXPECT_NE(text.find("config: not available: no DescribeConfigs here\n"), std::string::npos)
      << text;
  const std::string json = render_topic_report(report, ReportFormat::json);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_TRUE(doc["config"].is_null());
  EXPECT_EQ(std::string_view(doc["config_error"]), "no DescribeConfigs here");
}

TEST(TopicsReport, DescribeAsTextHasOneRowPerPartition) {
  const std::string text = render_topic_report(sample_report(), ReportFormat::text);
  EXPECT_NE(text.find("topic odd\"name: 2 partition(s), 60 message(s) retained\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("        0       2  2,3           2                       40           100"
                      "            60\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  Broker: Leader not available\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  cleanup.policy=compact (DYNAMIC_TOPIC_CONFIG)\n"), std::string::npos);
  EXPECT_NE(text.find("  sasl.jaas.config=(sensitive)"), std::string::npos);
  EXPECT_EQ(text.find("retention.ms"), std::string::npos);  // a default, not asked for
}

}  // namespace
}  // namespace tokenflow::cli
