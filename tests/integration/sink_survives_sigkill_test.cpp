// Proves that `tokenflow sink postgres` killed with SIGKILL at arbitrary moments while a
// producer is publishing, and restarted each time, still ends with every transfer stored
// exactly once, every column as published: after each kill the table holds exactly the
// messages below the stored positions, the next incarnation resumes every partition at its
// stored position (so it reads again only what the killed one had not committed, never the
// topic from its start) and finds no row it had to ignore as already stored.
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
#include "support/wait_until.hpp"

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
  std::map<int, std::int64_t> resumed;  // where the running incarnation started
  for (int kill = 1; kill <= kKills; ++kill) {
    SCOPED_TRACE("incarnation " + std::to_string(kill - 1));
    // Kill each incarnation once it has stored batches of its own, after a random number of
    // further rows: sometimes while it buffers a batch, sometimes while a batch is being
    // written.
    ASSERT_TRUE(
        wait_until([&] { return count_lines_with(sink->output(), {"Loaded "}) > 0; }, 90s, 50ms))
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
    // Resuming from its positions, it met no row already stored.
    EXPECT_EQ(count_lines_with(sink->output(), {"Loaded ", "duplicates ignored"}), 0u)
        << tail_of(*sink);

    // What it had in flight ends with its sessions (committed or rolled back); from then on
    // the database holds what the next incarnation must start from.
    ASSERT_TRUE(wait_until([&] { return pipeline.postgres().other_sessions() == 0; }, 30s))
        << "the killed sink's sessions did not end";
    const auto stored = pipeline.stored_positions();
    killed_at.push_back(sum_of(stored));
    // Rows and positions were stored together: exactly the messages below the positions,
    // every column as the topic carried it.
    EXPECT_EQ(describe_difference(
                  rows_below(pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s), stored),
                  pipeline.stored_rows()),
              "");

    sink = pipeline.start_sink({}, "sink-" + std::to_string(kill) + ".log");
    // Every partition stored starts exactly at its stored offset.
    EXPECT_TRUE(wait_until(
        [&] {
          resumed =
              logged_offsets(sink->output(), kPipelineTopic, "resumes at offset ", " (stored in");
          return resumed.size() >= stored.size();
        },
        90s, 50ms))
        << tail_of(*sink);
    EXPECT_EQ(resumed, stored) << tail_of(*sink);
  }
  EXPECT_GE(kills_while_producing, 2) << "the kills should land while the producer publishes";

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  const auto rows = pipeline.wait_for_rows(kCount, 180s, sink.get());
  ASSERT_EQ(rows, kCount) << tail_of(*sink);

  // Exactly the transfers published, every column exact, and the positions at the end.
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  const auto end = pipeline.non_empty_end_offsets();
  EXPECT_EQ(sum_of(end), kCount);
  EXPECT_EQ(pipeline.stored_positions(), end);

  // The last incarnation read each message after where it resumed once, nothing before.
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  EXPECT_EQ(describe_reading(sink->output(), kCount - sum_of(resumed)), "") << tail_of(*sink);
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
