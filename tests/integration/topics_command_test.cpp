// `tokenflow topics` (the real binary) against an embedded cluster started here: list and
// describe report exactly the partitions and offsets of what the test produced (a log start
// above 0 included, after the cluster's retention deleted the oldest messages); what the
// embedded cluster does not accept (CreateTopics, CreatePartitions, DeleteTopics,
// DescribeConfigs) fails at once with the reason and changes nothing; add-partitions and
// delete are refused without --force / --yes and change nothing; bad usage exits 2; an
// unreachable cluster is an error within --timeout, never a hang.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "kafka/admin.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "support/child_process.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kOrders = "topics-test.orders";  // 3 partitions, 5 / 7 / 0 messages
constexpr const char* kEmpty = "topics-test.empty";    // 2 partitions, nothing in them
constexpr const char* kBulk = "topics-test.bulk";      // 1 partition, beyond the retention
constexpr std::int64_t kOrdersPerPartition[] = {5, 7, 0};
constexpr int kBulkMessages = 9;
constexpr std::size_t kBulkMessageBytes = 900 * 1000;  // 9 x 900 kB > the mock's 5 MiB

struct TopicsRun {
  int exit_code = -1;
  std::string out;  // standard output: the report
  std::string log;  // standard error: log lines, refusals and errors
  std::chrono::milliseconds took{};
};

class TopicsCommandTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = kafka::EmbeddedCluster::create(3);
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    cluster_ = std::move(cluster).value().release();
    ASSERT_TRUE(cluster_->create_topic(kOrders, 3).ok());
    ASSERT_TRUE(cluster_->create_topic(kEmpty, 2).ok());
    ASSERT_TRUE(cluster_->create_topic(kBulk, 1).ok());
    kafka::ProducerOptions options;
    options.compression = "none";  // the bulk messages must take their full size in the log
    auto producer = kafka::Producer::create(cluster_->client_config(), options);
    ASSERT_TRUE(producer.ok()) << producer.error().message;
    for (int p = 0; p < 3; ++p) {
      for (std::int64_t i = 0; i < kOrdersPerPartition[p]; ++i) {
        ASSERT_TRUE((*producer)
                        ->produce(kOrders, core::Partition{p}, "0xtoken" + std::to_string(i),
                                  "{\"n\":" + std::to_string(i) + "}")
                        .ok());
      }
    }
    const std::string big(kBulkMessageBytes, 'x');
    for (int i = 0; i < kBulkMessages; ++i) {
      ASSERT_TRUE((*producer)->produce(kBulk, core::Partition{0}, "k", big).ok());
      // One message per produce request, so the cluster can delete them one at a time.
      ASSERT_TRUE((*producer)->flush(30s).ok());
    }
    ASSERT_TRUE((*producer)->flush(30s).ok());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    work_ = make_temp_dir("tf-topics");
  }
  void TearDown() override { std::filesystem::remove_all(work_); }

  static const std::string& bootstrap() { return cluster_->bootstrap_servers(); }

  // `tokenflow topics <args> --kafka-bootstrap <the cluster>` (unless `bootstrap_flag` is off).
  TopicsRun topics(std::vector<std::string> args, bool bootstrap_flag = true,
                   std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {tokenflow_binary(), "topics"};
    argv.insert(argv.end(), args.begin(), args.end());
    if (bootstrap_flag) {
      argv.push_back("--kafka-bootstrap");
      argv.push_back(bootstrap());
    }
    const std::string name = std::to_string(++runs_);
    const std::string out_path = work_ + "/" + name + ".out";
    TopicsRun run;
    const auto started = Clock::now();
    {
      ChildProcess child(argv, work_ + "/" + name + ".log", std::move(env), out_path);
      const auto code = child.wait(60s);
      if (!code) child.signal(SIGKILL);
      run.exit_code = code.value_or(-1);
      run.log = child.output();
    }
    run.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    std::ifstream in(out_path);
    std::stringstream text;
    text << in.rdbuf();
    run.out = text.str();
    return run;
  }

  // The topic's partition count and watermarks as librdkafka reads them, beside the command.
  static std::vector<kafka::Watermarks> watermarks_of(const std::string& topic) {
    auto admin = kafka::Admin::create(cluster_->client_config());
    EXPECT_TRUE(admin.ok());
    if (!admin.ok()) return {};
    auto description = (*admin)->describe_topic(topic);
    EXPECT_TRUE(description.ok()) << description.error().message;
    if (!description.ok()) return {};
    kafka::TopicPartitions partitions;
    for (const auto& p : description->partitions) partitions.push_back({topic, p.partition});
    auto marks = (*admin)->watermarks(partitions);
    EXPECT_TRUE(marks.ok()) << marks.error().message;
    return marks.ok() ? *marks : std::vector<kafka::Watermarks>{};
  }

  static std::vector<std::string> topic_names() {
    auto admin = kafka::Admin::create(cluster_->client_config());
    EXPECT_TRUE(admin.ok());
    std::vector<std::string> names;
    if (!admin.ok()) return names;
    auto topics = (*admin)->topics();
    EXPECT_TRUE(topics.ok());
    if (topics.ok()) {
      for (const auto& t : *topics) names.push_back(t.name);
    }
    return names;
  }

  static kafka::EmbeddedCluster* cluster_;
  std::string work_;
  int runs_ = 0;
};

kafka::EmbeddedCluster* TopicsCommandTest::cluster_ = nullptr;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST_F(TopicsCommandTest, ListCountsTheMessagesEachTopicRetains) {
  const auto bulk = watermarks_of(kBulk);
  ASSERT_EQ(bulk.size(), 1u);
  // The cluster's retention deleted the oldest bulk messages: the log starts above 0.
  ASSERT_GT(bulk[0].low.value, 0);
  ASSERT_EQ(bulk[0].high.value, kBulkMessages);
  const std::int64_t bulk_retained = bulk[0].high.value - bulk[0].low.value;

  const auto run = topics({"list", "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.log;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(run.out).get(doc), simdjson::SUCCESS) << run.out;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> listed;  // partitions, messages
  for (auto topic : doc["topics"].get_array()) {
    listed[std::string(std::string_view(topic["name"]))] = {std::int64_t(topic["partitions"]),
                                                            std::int64_t(topic["messages"])};
  }
  const std::map<std::string, std::pair<std::int64_t, std::int64_t>> expected = {
      {kOrders, {3, 12}}, {kEmpty, {2, 0}}, {kBulk, {1, bulk_retained}}};
  EXPECT_EQ(listed, expected) << run.out;

  // Text: a header, then one line per topic; the cluster named by KAFKA_BOOTSTRAP_SERVERS.
  const auto text = topics({"list"}, false, {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap()}});
  ASSERT_EQ(text.exit_code, 0) << text.log;
  std::istringstream lines(text.out);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  ASSERT_EQ(rows.size(), 4u) << text.out;
  EXPECT_EQ(rows[0].rfind("TOPIC", 0), 0u) << text.out;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> parsed;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    std::istringstream row(rows[i]);
    std::string name;
    std::int64_t partitions = -1, messages = -1;
    row >> name >> partitions >> messages;
    parsed[name] = {partitions, messages};
  }
  EXPECT_EQ(parsed, expected) << text.out;
}

TEST_F(TopicsCommandTest, DescribeShowsEachPartitionsReplicasAndOffsets) {
  const auto bulk = watermarks_of(kBulk);
  ASSERT_EQ(bulk.size(), 1u);
  ASSERT_GT(bulk[0].low.value, 0);

  simdjson::dom::parser parser;
  for (const std::string topic : {kOrders, kBulk}) {
    const auto run = topics({"describe", topic, "--format", "json"});
    ASSERT_EQ(run.exit_code, 0) << run.log;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(run.out).get(doc), simdjson::SUCCESS) << run.out;
    EXPECT_EQ(std::string_view(doc["name"]), topic);
    const auto marks = watermarks_of(topic);
    auto partitions = doc["partitions"].get_array();
    ASSERT_EQ(partitions.size(), marks.size()) << run.out;
    std::int64_t total = 0;
    std::int64_t index = 0;
    for (auto p : partitions) {
      const auto& m = marks[static_cast<std::size_t>(index)];
      EXPECT_EQ(std::int64_t(p["partition"]), index);
      EXPECT_EQ(std::int64_t(p["log_start"]), m.low.value) << topic << "[" << index << "]";
      EXPECT_EQ(std::int64_t(p["log_end"]), m.high.value) << topic << "[" << index << "]";
      if (topic == kOrders) {
        EXPECT_EQ(std::int64_t(p["log_start"]), 0);
        EXPECT_EQ(std::int64_t(p["log_end"]), kOrdersPerPartition[index]);
      }
      EXPECT_EQ(std::int64_t(p["messages"]), m.high.value - m.low.value);
      total += m.high.value - m.low.value;
      const std::int64_t leader = p["leader"];
      EXPECT_GE(leader, 1);
      EXPECT_LE(leader, 3);
      // The leader is one of the replicas, and in sync.
      bool leader_replicated = false, leader_in_sync = false;
      for (auto r : p["replicas"].get_array()) leader_replicated |= std::int64_t(r) == leader;
      for (auto r : p["in_sync_replicas"].get_array()) leader_in_sync |= std::int64_t(r) == leader;
      EXPECT_TRUE(leader_replicated) << run.out;
      EXPECT_TRUE(leader_in_sync) << run.out;
      ++index;
    }
    EXPECT_EQ(std::int64_t(doc["messages"]), total);
    // The embedded cluster does not answer DescribeConfigs: no settings, and why.
    EXPECT_TRUE(doc["config"].is_null()) << run.out;
    EXPECT_NE(std::string_view(doc["config_error"]).find("does not answer DescribeConfigs"),
              std::string_view::npos)
        << run.out;
  }
  ASSERT_EQ(bulk[0].high.value, kBulkMessages);

  const auto text = topics({"describe", kOrders});
  ASSERT_EQ(text.exit_code, 0) << text.log;
  EXPECT_NE(text.out.find("topic topics-test.orders: 3 partition(s), 12 message(s) retained"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("config: not available:"), std::string::npos) << text.out;
  std::istringstream lines(text.out);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    if (!row.empty() && row[0][0] >= '0' && row[0][0] <= '9') rows.push_back(row);
  }
  ASSERT_EQ(rows.size(), 3u) << text.out;
  for (std::size_t p = 0; p < 3; ++p) {
    ASSERT_EQ(rows[p].size(), 7u) << text.out;  // partition leader replicas isr start end messages
    EXPECT_EQ(rows[p][0], std::to_string(p));
    EXPECT_EQ(rows[p][4], "0");
    EXPECT_EQ(rows[p][5], std::to_string(kOrdersPerPartition[p]));
    EXPECT_EQ(rows[p][6], std::to_string(kOrdersPerPartition[p]));
  }
}

TEST_F(TopicsCommandTest, DescribeOfAMissingTopicFailsAndDoesNotCreateIt) {
  const auto run = topics({"describe", "topics-test.missing"});
  EXPECT_EQ(run.exit_code, 1) << run.log;
  EXPECT_NE(run.log.find("topic topics-test.missing does not exist"), std::string::npos) << run.log;
  // The embedded cluster creates a topic a client asks about by name: this one must not be.
  EXPECT_FALSE(contains(topic_names(), "topics-test.missing"));
}

TEST_F(TopicsCommandTest, CreateSaysTheEmbeddedClusterDoesNotAcceptItAtOnce) {
  const auto run =
      topics({"create", "topics-test.new", "--partitions", "3", "--replication-factor", "1", "-c",
              "cleanup.policy=compact", "--config", "retention.ms=60000", "--timeout", "30s"});
  EXPECT_EQ(run.exit_code, 1) << run.log;
  EXPECT_NE(run.log.find("creating topic topics-test.new"), std::string::npos) << run.log;
  EXPECT_NE(run.log.find("the embedded cluster does not accept CreateTopics"), std::string::npos)
      << run.log;
  EXPECT_NE(run.log.find("tokenflow broker and tokenflow up create tokenflow's topics"),
            std::string::npos)
      << run.log;
  EXPECT_LT(run.took, 15s);  // it did not wait for the 30 s timeout
  EXPECT_FALSE(contains(topic_names(), "topics-test.new"));
}

TEST_F(TopicsCommandTest, AddPartitionsIsRefusedWithoutForceAndChangesNothing) {
  const auto refused = topics({"add-partitions", kOrders, "--partitions", "6"});
  EXPECT_EQ(refused.exit_code, 2) << refused.log;
  EXPECT_NE(refused.log.find("refused without --force"), std::string::npos) << refused.log;
  EXPECT_NE(refused.log.find("from 3 to 6 partitions moves tokens (message keys) to other "
                             "partitions"),
            std::string::npos)
      << refused.log;
  EXPECT_NE(refused.log.find("no longer ordered"), std::string::npos) << refused.log;
  EXPECT_NE(refused.log.find("stay valid only for the existing partitions 0-2"), std::string::npos)
      << refused.log;
  EXPECT_EQ(watermarks_of(kOrders).size(), 3u);

  const auto shrink = topics({"add-partitions", kOrders, "--partitions", "3", "--force"});
  EXPECT_EQ(shrink.exit_code, 2) << shrink.log;
  EXPECT_NE(shrink.log.find("already has 3 partition(s)"), std::string::npos) << shrink.log;

  // With --force it asks the cluster, which cannot grow a topic: the clear error, at once.
  const auto forced =
      topics({"add-partitions", kOrders, "--partitions", "6", "--force", "--timeout", "30s"});
  EXPECT_EQ(forced.exit_code, 1) << forced.log;
  EXPECT_NE(forced.log.find("the embedded cluster does not accept CreatePartitions"),
            std::string::npos)
      << forced.log;
  EXPECT_LT(forced.took, 15s);
  const auto after = watermarks_of(kOrders);
  ASSERT_EQ(after.size(), 3u);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_EQ(after[p].high.value, kOrdersPerPartition[p]);
}

TEST_F(TopicsCommandTest, DeleteIsRefusedWithoutYesAndTheTopicStays) {
  const auto refused = topics({"delete", kOrders});
  EXPECT_EQ(refused.exit_code, 2) << refused.log;
  EXPECT_NE(refused.log.find("refused without --yes: this would delete topic topics-test.orders "
                             "with its 3 partition(s) and the 12 message(s) they retain"),
            std::string::npos)
      << refused.log;

  const auto forced = topics({"delete", kOrders, "--yes", "--timeout", "30s"});
  EXPECT_EQ(forced.exit_code, 1) << forced.log;
  EXPECT_NE(forced.log.find("the embedded cluster does not accept DeleteTopics"), std::string::npos)
      << forced.log;
  EXPECT_LT(forced.took, 15s);

  EXPECT_TRUE(contains(topic_names(), kOrders));
  const auto after = watermarks_of(kOrders);
  ASSERT_EQ(after.size(), 3u);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_EQ(after[p].high.value, kOrdersPerPartition[p]);
}

TEST_F(TopicsCommandTest, BadUsageExitsTwo) {
  const std::vector<std::vector<std::string>> cases = {
      {},                                                   // no sub-subcommand
      {"frobnicate"},                                       // no such sub-subcommand
      {"describe"},                                         // no topic
      {"list", "--format", "xml"},                          // no such format
      {"list", "--timeout", "soon"},                        // not a duration
      {"list", "--timeout", "0s"},                          // not a positive duration
      {"add-partitions", kOrders},                          // no --partitions
      {"add-partitions", kOrders, "--partitions", "0"},     // out of range
      {"create", "topics-test.new", "--partitions", "-3"},  // out of range
      {"create", "topics-test.new", "-c", "no-equals-sign"},
      {"list", "-X", "no.such.property=1"},  // librdkafka refuses it
  };
  for (const auto& args : cases) {
    const auto run = topics(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(run.exit_code, 2) << "topics " << joined << "\n" << run.log;
  }
  EXPECT_FALSE(contains(topic_names(), "topics-test.new"));

  const auto help = topics({"--help"}, false);
  EXPECT_EQ(help.exit_code, 0) << help.log;
  for (const char* word :
       {"list", "describe", "create", "add-partitions", "delete", "Exit codes"}) {
    EXPECT_NE(help.out.find(word), std::string::npos) << word << "\n" << help.out;
  }
}

TEST_F(TopicsCommandTest, AnUnreachableClusterIsAnErrorWithinTheTimeout) {
  const std::string nowhere = "127.0.0.1:" + std::to_string(free_loopback_port());
  const auto run = topics({"list", "--kafka-bootstrap", nowhere, "--timeout", "1s"}, false);
  EXPECT_EQ(run.exit_code, 1) << run.log;
  EXPECT_NE(run.log.find("reading the cluster's metadata"), std::string::npos) << run.log;
  EXPECT_LT(run.took, 10s);
}

}  // namespace
}  // namespace tokenflow::testing
