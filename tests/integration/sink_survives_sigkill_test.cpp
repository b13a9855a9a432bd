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
  auto producer = pipeline.start_file_producer(file, {"--rate", "1200"});

  std::mt19937 rng(std::random_device{}());
  std::vector<std::int64_t> killed_at;
  int kills_while_producing = 0;
  for (int kill = 1; kill <= kKills; ++kill) {
    SCOPED_TRACE("incarnation " + std::to_string(kill - 1));
    // Kill each incarnation once it has stored batches of its own (rows a killed one left
    // in flight may still commit after its death, so the count alone proves nothing), after
    // a random number of further rows: sometimes while it buffers a batch, sometimes while
    // a batch is being written.
    const auto deadline = Clock::now() + 90s;
    while (count_lines_with(sink->output(), {"Loaded "}) == 0 && sink->running() &&
           Clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_GE(count_lines_with(sink->output(), {"Loaded "}), 1u)
        << "it stored nothing before its kill:\n"
        << tail_of(*sink);
    const std::int64_t target = std::min<std::int64_t>(
        kCount - 1, pipeline.row_count().value_or(0) +
                        std::uniform_int_distribution<std::int64_t>(200, 3000)(rng));
    const auto rows = pipeline.wait_for_rows(target, 90s, sink.get());
    ASSERT_TRUE(sink->running()) << "it exited before its kill:\n" << tail_of(*sink);
    ASSERT_GE(rows, target) << tail_of(*sink);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution(0, 300)(rng)));
    if (producer->running()) ++kills_while_producing;
    sink->signal(SIGKILL);
    ASSERT_EQ(sink->wait(10s), 128 + SIGKILL);
    killed_at.push_back(pipeline.row_count().value_or(-1));
    if (kill > 1) {
      // It resumed from the stored offsets, not from the start.
      EXPECT_GE(count_lines_with(sink->output(), {"resumes at offset"}), 1u) << tail_of(*sink);
    }
    sink = pipeline.start_sink({}, "sink-" + std::to_string(kill) + ".log");
  }
  EXPECT_GE(kills_while_producing, 2) << "the kills should land while the producer publishes";

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  const auto rows = pipeline.wait_for_rows(kCount, 180s, sink.get());
  ASSERT_EQ(rows, kCount) << tail_of(*sink);

  // Exactly the transfers published, none doubled, none lost, values exact.
  EXPECT_EQ(pipeline.row_and_id_counts(), std::make_pair(kCount, kCount));
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  std::map<int, std::int64_t> non_empty;
  std::int64_t on_topic = 0;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
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
  std::printf(
      "killed with SIGKILL at%s stored rows (%d while producing); %lld rows exactly "
      "once after %.1f s\n",
      kills.c_str(), kills_while_producing, static_cast<long long>(kCount),
      std::chrono::duration<double>(Clock::now() - started).count());
}

}  // namespace
}  // namespace tokenflow::testing
