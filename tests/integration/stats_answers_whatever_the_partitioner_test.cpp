// Proves that the statistics service answers from where a token's events are, not from where
// a partitioner says they should be: the same swaps produced once by tokenflow (the Java
// client's murmur2) and once by kcat (librdkafka's default, consistent_random: CRC32, and
// another compression) give byte-equal answers for every token, every window and every top
// list, and a WebSocket subscription to each gets its snapshot. The test first shows the
// fault it guards against: the two partitioners put most of these tokens in different
// partitions.
#include <librdkafka/rdkafka.h>

#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/ws_client.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kPartitionerTestPartitions = 6;
constexpr const char* kKcatTopic = "swaps.from-kcat";

TEST(StatsAnyPartitioner, SwapsFromKcatAndFromMurmur2GiveByteEqualAnswers) {
  StatsHarness harness(kPartitionerTestPartitions);
  ASSERT_TRUE(harness.cluster().create_topic(kKcatTopic, kPartitionerTestPartitions).ok());
  SwapStreamShape shape;
  shape.count = 8000;
  shape.tokens = 10;
  shape.seed = 21;
  const auto swaps = make_swaps(shape);
  std::set<std::string> ids;
  for (const auto& s : swaps) ids.insert(s.id.value);
  const auto expected = static_cast<std::int64_t>(ids.size());

  int moved = 0;
  for (int t = 0; t < shape.tokens; ++t) {
    char key[core::Address::kTextSize];
    test_token(t).write_hex(key);
    const auto murmur2 = rd_kafka_msg_partitioner_murmur2(nullptr, key, sizeof key, kPartitionerTestPartitions,
                                                          nullptr, nullptr);
    const auto crc32 = rd_kafka_msg_partitioner_consistent(nullptr, key, sizeof key, kPartitionerTestPartitions,
                                                           nullptr, nullptr);
    moved += murmur2 != crc32;
  }
  ASSERT_GE(moved, shape.tokens / 2) << "the partitioners must disagree for this test to mean anything";

  harness.produce(swaps);                        // tokenflow's producer: murmur2_random
  harness.produce_with_kcat(swaps, kKcatTopic);  // a foreign one: consistent_random, snappy
  const int murmur_port = free_loopback_port();
  const int kcat_port = free_loopback_port();
  auto murmur = harness.start_stats(murmur_port, "by-murmur2", "murmur-state", {}, "murmur.log");
  auto kcat = harness.start_stats(kcat_port, "by-kcat", "kcat-state", {"--kafka-topic", kKcatTopic},
                                  "kcat.log");
  ASSERT_TRUE(harness.wait_ready(murmur_port, 60s, murmur.get())) << tail_of(*murmur);
  ASSERT_TRUE(harness.wait_ready(kcat_port, 60s, kcat.get())) << tail_of(*kcat);
  const auto deadline = Clock::now() + 60s;
  while ((total_count(murmur_port, shape.tokens) != expected ||
          total_count(kcat_port, shape.tokens) != expected) &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_EQ(total_count(murmur_port, shape.tokens), expected) << tail_of(*murmur);
  ASSERT_EQ(total_count(kcat_port, shape.tokens), expected) << tail_of(*kcat);

  int placed_differently = 0;
  for (int t = 0; t < shape.tokens; ++t) {
    const std::string target = "/v1/tokens/" + test_token(t).to_string() + "/stats";
    const auto a = http_get(murmur_port, target);
    const auto b = http_get(kcat_port, target);
    ASSERT_EQ(a.status, 200u) << a.body;
    ASSERT_EQ(b.status, 200u) << b.body;
    EXPECT_EQ(a.body, b.body) << "token " << t;
    // Each answer names the partition its figures came from; the topics differ by name.
    const std::string pa = a.headers.at("X-Tokenflow-Partitions");
    const std::string pb = b.headers.at("X-Tokenflow-Partitions");
    placed_differently += pa.substr(pa.find(':')) != pb.substr(pb.find(':'));
  }
  EXPECT_EQ(placed_differently, moved) << "the answers' partitions are where each producer put them";
  for (const char* window : {"5m", "1h", "24h"}) {
    for (const char* sort : {"volume", "count", "traders"}) {
      const std::string target = std::string("/v1/tokens?window=") + window + "&sort=" + sort;
      const auto a = http_get(murmur_port, target);
      ASSERT_EQ(a.status, 200u);
      EXPECT_EQ(a.body, http_get(kcat_port, target).body) << target;
    }
  }

  // Every token's WebSocket snapshot from the kcat-fed instance equals the HTTP answer.
  WsClient client(kcat_port, "");
  std::string subscribe = "{\"op\":\"subscribe\",\"tokens\":[";
  for (int t = 0; t < shape.tokens; ++t) {
    subscribe += (t ? ",\"" : "\"") + test_token(t).to_string() + "\"";
  }
  client.send(subscribe + "]}");
  ASSERT_NE(client.until("\"type\":\"subscribed\"", 10s), "");
  for (int t = 0; t < shape.tokens; ++t) {
    const std::string message = client.until("\"type\":\"snapshot\"", 10s);
    ASSERT_NE(message, "") << "snapshot " << t;
    ASSERT_EQ(message.find("\"error\""), std::string::npos) << message;
    const auto token = message.substr(message.find("\"token\":\"") + 9, 42);
    EXPECT_EQ(figures_of(message) + "\n",
              figures_of(http_get(murmur_port, "/v1/tokens/" + token + "/stats").body));
  }
  murmur->signal(SIGTERM);
  kcat->signal(SIGTERM);
  EXPECT_EQ(murmur->wait(30s), 0);
  EXPECT_EQ(kcat->wait(30s), 0);
}

}  // namespace
}  // namespace tokenflow::testing
