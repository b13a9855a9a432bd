// Proves that `tokenflow sink postgres` rides out PostgreSQL going away in the middle of a
// stream: while the server is stopped it keeps its batch and retries (saying so in its log),
// it does not exit, and once the server is back it stores every transfer exactly once, with
// the offsets beside them at the topic's end.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(SinkSurvivesPostgresRestart, StoppedForSecondsMidStreamThenEveryTransferOnce) {
  constexpr std::int64_t kCount = 20'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(static_cast<std::size_t>(kCount), 41);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);

  const auto started = Clock::now();
  auto sink = pipeline.start_sink();
  auto producer = pipeline.start_file_producer(file, {"--rate", "1500"});

  // Two outages: a long one while the producer publishes, and a short one later.
  struct Outage {
    std::int64_t after_rows;
    std::chrono::milliseconds length;
  };
  for (const Outage outage : {Outage{3000, 5000ms}, Outage{9000, 1500ms}}) {
    ASSERT_GE(pipeline.wait_for_rows(outage.after_rows, 90s, sink.get()), outage.after_rows)
        << tail_of(*sink);
    const std::size_t retries_before = count_lines_with(sink->output(), {"retrying in"});
    pipeline.postgres().stop();
    std::this_thread::sleep_for(outage.length);
    EXPECT_TRUE(sink->running()) << "the sink gave up while PostgreSQL was away:\n"
                                 << tail_of(*sink);
    pipeline.postgres().start();
    // The sink noticed (a batch was due within the outage) and said it retries.
    const auto deadline = Clock::now() + 30s;
    while (count_lines_with(sink->output(), {"retrying in"}) == retries_before &&
           Clock::now() < deadline && sink->running()) {
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_GT(count_lines_with(sink->output(), {"retrying in"}), retries_before) << tail_of(*sink);
  }

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  ASSERT_EQ(pipeline.wait_for_rows(kCount, 120s, sink.get()), kCount) << tail_of(*sink);
  ASSERT_TRUE(sink->running()) << tail_of(*sink);

  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  std::map<int, std::int64_t> non_empty;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    if (offset > 0) non_empty[partition] = offset;
  }
  EXPECT_EQ(pipeline.stored_positions(), non_empty);
  // Its retries were logged as retries of a kept batch (or of the connection), each with the
  // delay and the attempt number.
  const auto output = sink->output();
  EXPECT_GE(count_lines_with(output, {"retrying in ", " ms (attempt "}), 2u) << tail_of(*sink);

  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  std::printf("%lld transfers exactly once through two PostgreSQL outages in %.1f s\n",
              static_cast<long long>(kCount),
              std::chrono::duration<double>(Clock::now() - started).count());
}

// PostgreSQL crashing (immediate shutdown) right after the sink committed a batch with
// asynchronous commit (the sink's default) loses the last commits, rows and offsets together.
// The sink must notice on reconnecting (PostgresStore::write answers errc::rewind), reload
// the stored offsets, read the lost messages from Kafka again, and carry on.

TEST(SinkSurvivesPostgresRestart, CrashRightAfterACommitRewindsAndStoresEveryTransferOnce) {
  constexpr std::int64_t kCount = 20'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(static_cast<std::size_t>(kCount), 42);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);

  auto sink = pipeline.start_sink();
  auto producer = pipeline.start_file_producer(file, {"--rate", "1500"});
  ASSERT_GE(pipeline.wait_for_rows(3000, 90s, sink.get()), 3000) << tail_of(*sink);
  // Crash just after a batch was acknowledged, while its WAL may still be in memory.
  const std::size_t batches = loaded_batch_sizes(sink->output()).size();
  const auto deadline = Clock::now() + 30s;
  while (loaded_batch_sizes(sink->output()).size() == batches && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pipeline.postgres().kill();
  std::this_thread::sleep_for(3s);
  pipeline.postgres().start();

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  EXPECT_EQ(pipeline.wait_for_rows(kCount, 120s, sink.get()), kCount) << tail_of(*sink);
  ASSERT_TRUE(sink->running()) << "the sink exited after the crash:\n" << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  std::map<int, std::int64_t> non_empty;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    if (offset > 0) non_empty[partition] = offset;
  }
  EXPECT_EQ(pipeline.stored_positions(), non_empty);
  std::printf("crash lost acknowledged commits this run: %s\n",
              count_lines_with(sink->output(), {"was committed before the connection was lost"}) > 0
                  ? "yes (the rewind was exercised)"
                  : "no");
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
