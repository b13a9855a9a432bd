// Proves that `tokenflow sink postgres` killed with SIGKILL at arbitrary moments while a
// producer is publishing, and restarted each time, still ends with every transfer stored
// exactly once: each restart resumes from the offsets stored with the rows, and whatever the
// killed process had buffered or half-written is read again and stored once.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(SinkSurvivesSigkill, KilledFourTimesMidStreamStillStoresEveryTransferOnce) {
  constexpr std::int64_t kCount = 40'000;
  constexpr int kKills = 4;
  Pipeline pipeline;
  const auto transfers = make_transfers(static_cast<std::size_t>(kCount), 21);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);

  const auto started = Clock::now();
  auto sink = pipeline.start_sink({}, "sink-0.log");
  auto producer = pipeline.start_file_producer(file, {"--rate", "5000"});

  std::mt19937 rng(std::random_device{}());
  std::vector<std::int64_t> killed_at;
  std::int64_t stored_before = 0;
  for (int kill = 1; kill <= kKills; ++kill) {
    // Kill each incarnation after it has stored something of its own (so the kill lands in a
    // stream in progress, not in start-up), plus a random few milliseconds: sometimes in the
    // middle of a batch being buffered, sometimes while a batch is being written.
    const std::int64_t target = std::min(kCount - 1, stored_before + 2000 + (kill == 1 ? 0 : 1000));
    const auto rows = pipeline.wait_for_rows(target, 120s, sink.get());
    ASSERT_TRUE(sink->running()) << "sink " << kill - 1 << " exited before its kill:\n"
                                 << tail_of(*sink);
    ASSERT_GE(rows, target) << tail_of(*sink);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution(0, 400)(rng)));
    sink->signal(SIGKILL);
    ASSERT_EQ(sink->wait(10s), 128 + SIGKILL);
    stored_before = pipeline.row_count().value_or(-1);
    killed_at.push_back(stored_before);
    if (kill > 1) {
      // It resumed from the stored offsets, not from the start.
      EXPECT_GE(count_lines_with(sink->output(), {"resumes at offset"}), 1u) << tail_of(*sink);
    }
    sink = pipeline.start_sink({}, "sink-" + std::to_string(kill) + ".log");
  }
  EXPECT_TRUE(producer->running() || killed_at.front() < kCount / 2)
      << "the first kill should land while the producer publishes";

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  const auto rows = pipeline.wait_for_rows(kCount, 180s, sink.get());
  ASSERT_EQ(rows, kCount) << tail_of(*sink);

  // Exactly the transfers published, none doubled, none lost, values exact.
  EXPECT_EQ(pipeline.row_and_id_counts(), std::make_pair(kCount, kCount));
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  std::map<int, std::int64_t> non_empty;
  std::int64_t on_topic = 0;
  for (const auto& [partition, offset] : pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    if (offset > 0) non_empty[partition] = offset;
    on_topic += offset;
  }
  EXPECT_EQ(on_topic, kCount);
  EXPECT_EQ(pipeline.stored_positions(), non_empty);
  EXPECT_GE(count_lines_with(sink->output(), {"resumes at offset"}), 1u) << tail_of(*sink);

  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  std::string kills;
  for (auto at : killed_at) kills += " " + std::to_string(at);
  std::printf("killed with SIGKILL at%s stored rows; %lld rows exactly once after %.1f s\n",
              kills.c_str(), static_cast<long long>(kCount),
              std::chrono::duration<double>(Clock::now() - started).count());
}

}  // namespace
}  // namespace tokenflow::testing
