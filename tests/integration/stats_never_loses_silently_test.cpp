// Proves that `tokenflow stats` loses nothing silently, against a real process: with
// `--backpressure drop` and a tiny queue it keeps running, counts every message it drops on
// /metrics, and moves its offsets past them (a restart reads none of them again); a swap
// further ahead of the wall clock than --max-skew goes to the dead-letter topic with its
// reason and is counted; a damaged checkpoint stops the service with an error naming the
// file and what to do, and moving the file away lets it start.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kHarnessPartitions = 3;

class StatsNeverLosesSilently : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { harness_ = new StatsHarness(kHarnessPartitions); }
  static void TearDownTestSuite() {
    delete harness_;
    harness_ = nullptr;
  }
  static std::string metrics(int port) { return http_get(port, "/metrics").body; }
  template <typename F>
  static bool eventually(F done, std::chrono::milliseconds timeout) {
    return wait_until(done, timeout, 100ms);
  }
  static StatsHarness* harness_;
};
StatsHarness* StatsNeverLosesSilently::harness_ = nullptr;

TEST_F(StatsNeverLosesSilently, DropCountsWhatItDropsAndMovesItsOffsetsPastThem) {
  SwapStreamShape shape;
  shape.count = 40'000;
  shape.seed = 11;
  shape.step_ms = 5;  // 200 s of event time: nothing is too late
  harness_->produce(make_swaps(shape));

  const int port = free_loopback_port();
  auto stats = harness_->start_stats(port, "drop", "drop-state",
                                     {"--backpressure", "drop", "--queue-messages", "1"},
                                     "drop.log");
  ASSERT_TRUE(harness_->wait_ready(port, 30s, stats.get())) << tail_of(*stats);
  const double n = static_cast<double>(shape.count);
  ASSERT_TRUE(eventually([&] { return metric_value(metrics(port), "tokenflow_stats_events_in_total") >= n; }, 30s))
      << tail_of(*stats);
  std::string seen;
  ASSERT_TRUE(eventually([&] {
    // Every message consumed is accounted for once it has gone through the queue.
    seen = metrics(port);
    return metric_value(seen, "tokenflow_stats_queue_messages") == 0 &&
           metric_value(seen, "tokenflow_stats_events_applied_total") +
                   metric_value(seen, "tokenflow_stats_duplicates_total") +
                   metric_value(seen, "tokenflow_stats_backpressure_dropped_total") ==
               n;
  }, 10s)) << seen;
  const double dropped = metric_value(seen, "tokenflow_stats_backpressure_dropped_total");
  EXPECT_GT(dropped, 0) << "a queue of one message behind a fast consumer drops batches";
  EXPECT_EQ(metric_value(seen, "tokenflow_stats_events_in_total"), n);
  EXPECT_EQ(metric_value(seen, "tokenflow_stats_too_late_total"), 0);
  EXPECT_EQ(metric_value(seen, "tokenflow_stats_dead_letters_total"), 0);
  EXPECT_TRUE(stats->running()) << tail_of(*stats);
  const std::int64_t counted = total_count(port, shape.tokens);
  EXPECT_EQ(static_cast<double>(counted), metric_value(seen, "tokenflow_stats_events_applied_total"))
      << "the figures hold exactly what was applied";
  // The consumer group's lag is 0: the dropped messages' offsets moved on too.
  EXPECT_TRUE(eventually([&] { return metric_value(metrics(port), "tokenflow_stats_consumer_lag") == 0; }, 10s));

  // Stopping writes the final checkpoints; a restart reads nothing again and answers the same.
  stats->signal(SIGTERM);
  ASSERT_EQ(stats->wait(30s), 0) << tail_of(*stats);
  auto again = harness_->start_stats(port, "drop", "drop-state", {}, "drop-again.log");
  ASSERT_TRUE(harness_->wait_ready(port, 30s, again.get())) << tail_of(*again);
  // Every partition resumes from its checkpoint at the end of the topic: there is nothing
  // left for it to read again, whenever one looks.
  const auto end =
      end_offsets(harness_->cluster().client_config(), kSwapsTopic, kHarnessPartitions);
  std::map<int, std::int64_t> resumed;
  EXPECT_TRUE(eventually(
      [&] {
        resumed = logged_offsets(again->output(), kSwapsTopic, "resumes at offset ");
        return resumed.size() == end.size();
      },
      30s))
      << tail_of(*again);
  EXPECT_EQ(resumed, end) << tail_of(*again);
  EXPECT_EQ(metric_value(metrics(port), "tokenflow_stats_events_in_total"), 0) << tail_of(*again);
  EXPECT_EQ(total_count(port, shape.tokens), counted);
  again->signal(SIGTERM);
  EXPECT_EQ(again->wait(30s), 0) << tail_of(*again);
}

TEST_F(StatsNeverLosesSilently, ASwapAheadOfTheWallClockIsDeadLetteredWithItsReason) {
  const int port = free_loopback_port();
  auto stats = harness_->start_stats(port, "skew", "skew-state", {"--max-skew", "5s"}, "skew.log");
  ASSERT_TRUE(harness_->wait_ready(port, 30s, stats.get())) << tail_of(*stats);
  const auto token = test_token(4242);
  core::Swap future;
  future.id.value = "0xfuture_1";
  future.timestamp.value = core::now_millis().value + 3'600'000;  // an hour ahead
  future.token = token;
  future.trader = test_token(4243);
  future.amount_usd.value = 1'000'000;
  core::Swap now = future;
  now.id.value = "0xnow_1";
  now.timestamp = core::now_millis();
  harness_->produce(std::vector<core::Swap>{future, now});

  const std::string target = "/v1/tokens/" + token.to_string() + "/stats";
  ASSERT_TRUE(eventually([&] { return window_count(http_get(port, target).body, "5m") == 1; }, 30s))
      << tail_of(*stats);
  const auto answer = http_get(port, target);
  EXPECT_EQ(window_count(answer.body, "24h"), 1) << "the future swap is in no window: " << answer.body;
  EXPECT_EQ(metric_value(metrics(port), "tokenflow_stats_dead_letters_total"), 1);

  // Dead letters are flushed to Kafka at the latest before the next checkpoint.
  std::vector<TopicRecord> dead;
  const TopicRecord* letter = nullptr;
  eventually([&] {
    dead = read_topic(harness_->cluster().client_config(), "tokenflow.dlq", 3, 30s);
    for (const auto& record : dead) {
      if (record.payload.find(future.id.value) != std::string::npos) letter = &record;
    }
    return letter != nullptr;
  }, 15s);
  ASSERT_NE(letter, nullptr) << dead.size() << " dead letters, none of " << future.id.value;
  EXPECT_NE(letter->headers.at("tokenflow.reason")
                .find("is ahead of the wall clock by more than --max-skew 5s"),
            std::string::npos)
      << letter->headers.at("tokenflow.reason");
  EXPECT_EQ(letter->headers.at("tokenflow.source.topic"), kSwapsTopic);
  stats->signal(SIGTERM);
  EXPECT_EQ(stats->wait(30s), 0) << tail_of(*stats);
}

TEST_F(StatsNeverLosesSilently, ADamagedCheckpointStopsTheServiceNamingTheFile) {
  const std::string state = harness_->path("damaged-state");
  std::filesystem::create_directories(state);
  const std::string file = state + "/" + kSwapsTopic + ".1.state";
  std::ofstream(file) << "not a checkpoint";

  const int port = free_loopback_port();
  auto stats = harness_->start_stats(port, "damaged", "damaged-state", {}, "damaged.log");
  const auto code = stats->wait(30s);
  ASSERT_TRUE(code.has_value()) << "still running with a damaged checkpoint: " << tail_of(*stats);
  EXPECT_EQ(*code, 1) << tail_of(*stats);
  const std::string output = stats->output();
  // Said once: by the command, with the error run() returned.
  EXPECT_EQ(count_lines_with(output, {"checkpoint " + file + " is damaged", "move it away"}), 1u)
      << output;
  EXPECT_TRUE(std::filesystem::exists(file)) << "the damaged file is left for the operator";

  // Doing what it says: the partition is rebuilt from the topic.
  std::filesystem::rename(file, file + ".bad");
  auto fixed = harness_->start_stats(port, "damaged", "damaged-state", {}, "damaged-fixed.log");
  ASSERT_TRUE(harness_->wait_ready(port, 30s, fixed.get())) << tail_of(*fixed);
  fixed->signal(SIGTERM);
  EXPECT_EQ(fixed->wait(30s), 0) << tail_of(*fixed);
}

}  // namespace
}  // namespace tokenflow::testing
