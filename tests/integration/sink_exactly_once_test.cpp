// Proves `tokenflow sink postgres` end to end, with the real binary, an embedded 3-broker
// Kafka cluster and a real PostgreSQL: every transfer published lands exactly once, every
// column exact (2^256-1 and 78-digit amounts included), each read once; the offsets stored
// beside the rows are the topic's end offsets; `--max-records` (and KAFKA_MAX_RECORDS) stop
// the sink by itself after exactly that many messages, each run resuming at the offsets the
// last one stored and reading nothing it had stored; and `--batch-size 100` writes batches
// of at most 100 rows.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "support/pipeline_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(SinkExactlyOnce, TwentyThousandTransfersInExactlyTheSameRowsOut) {
  constexpr std::size_t kCount = 20'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kCount, 11);
  const auto expected = expected_rows(transfers);
  ASSERT_EQ(expected.size(), kCount);
  ASSERT_EQ(expected.count(transfers[7].id.value), 1u);
  ASSERT_TRUE(
      expected.at(transfers[7].id.value)
          .ends_with(
              " value "
              "115792089237316195423570985008687907853269984665640564039457584007913129639935"));
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);

  auto schema = run_command(
      {tokenflow_binary(), "init-schema", "--database-url", pipeline.postgres().url()}, 60s);
  ASSERT_EQ(schema.exit_code, 0) << schema.output;

  auto sink = pipeline.start_sink();
  auto producer = pipeline.start_file_producer(file, {"--rate", "10000"});
  ASSERT_EQ(producer->wait(90s), 0) << tail_of(*producer);

  const auto rows = pipeline.wait_for_rows(kCount, 120s, sink.get());
  ASSERT_EQ(rows, static_cast<std::int64_t>(kCount)) << tail_of(*sink);
  ASSERT_TRUE(sink->running()) << tail_of(*sink);

  // The same ids with the same values in every column, nothing more.
  EXPECT_EQ(describe_difference(expected, pipeline.stored_rows()), "");
  // The topic holds each message once, and the sink stands at its end on every partition.
  const auto end = pipeline.non_empty_end_offsets();
  EXPECT_EQ(sum_of(end), static_cast<std::int64_t>(kCount));
  EXPECT_GE(end.size(), 8u) << "the transfers should spread over the partitions";
  EXPECT_EQ(pipeline.stored_positions(), end);

  // Its progress lines: one per batch, adding up to every row. A batch's line follows its
  // commit, so the last one may still be on its way when the rows are counted.
  const auto logged = [&] {
    const auto sizes = loaded_batch_sizes(sink->output());
    return std::accumulate(sizes.begin(), sizes.end(), std::int64_t{0});
  };
  wait_until([&] { return logged() >= static_cast<std::int64_t>(kCount); }, 10s);
  const auto output = sink->output();
  const auto batches = loaded_batch_sizes(output);
  EXPECT_FALSE(batches.empty()) << tail_of(*sink);
  EXPECT_EQ(std::accumulate(batches.begin(), batches.end(), std::int64_t{0}),
            static_cast<std::int64_t>(kCount))
      << tail_of(*sink);
  EXPECT_GE(count_lines_with(output, {"Loaded ", " records to raw.transfers_kafka"}), 1u);

  // It read each message once and stored each as a new row: nothing read again.
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  EXPECT_EQ(describe_reading(sink->output(), static_cast<std::int64_t>(kCount)), "")
      << tail_of(*sink);
}

TEST(SinkExactlyOnce, MaxRecordsStopsTheSinkAfterExactlyThatManyAndTheNextRunResumes) {
  constexpr std::size_t kCount = 12'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kCount, 12);
  const auto expected = expected_rows(transfers);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);
  auto producer = pipeline.start_file_producer(file);
  ASSERT_EQ(producer->wait(90s), 0) << tail_of(*producer);
  const auto topic = pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s);
  ASSERT_EQ(topic.size(), kCount);

  struct Run {
    std::vector<std::string> flags;
    std::map<std::string, std::string> env;
    std::int64_t records;
  };
  const std::vector<Run> runs = {
      {{"--max-records", "5000"}, {}, 5000},
      {{}, {{"KAFKA_MAX_RECORDS", "3000"}}, 3000},
      {{"--max-records", "4000"}, {}, 4000},
  };
  std::int64_t consumed = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE("run " + std::to_string(i + 1));
    const auto before = pipeline.stored_positions();
    const auto log = "sink-" + std::to_string(i + 1) + ".log";
    auto sink = pipeline.start_sink(runs[i].flags, log, runs[i].env);
    // It stops by itself, successfully.
    ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);
    consumed += runs[i].records;
    // It started every partition stored at its stored offset, and stored each message it
    // read as a new row: it read again nothing the last run had stored.
    EXPECT_EQ(logged_offsets(sink->output(), kPipelineTopic, "resumes at offset ", " (stored in"),
              before)
        << tail_of(*sink);
    EXPECT_EQ(describe_reading(sink->output(), runs[i].records), "") << tail_of(*sink);
    const auto positions = pipeline.stored_positions();
    EXPECT_EQ(sum_of(positions), consumed) << tail_of(*sink);
    // The rows are exactly the messages below the stored offsets, every column as sent.
    EXPECT_EQ(describe_difference(rows_below(topic, positions), pipeline.stored_rows()), "");
  }
  ASSERT_EQ(consumed, static_cast<std::int64_t>(kCount));
  EXPECT_EQ(describe_difference(expected, pipeline.stored_rows()), "");
  EXPECT_EQ(pipeline.stored_positions(), pipeline.non_empty_end_offsets());
}

TEST(SinkExactlyOnce, BatchSizeOneHundredWritesBatchesOfAtMostOneHundred) {
  constexpr std::size_t kCount = 5'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kCount, 13);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);

  auto sink = pipeline.start_sink({"--batch-size", "100", "--batch-timeout-ms", "200"});
  auto producer = pipeline.start_file_producer(file, {"--rate", "5000"});
  ASSERT_EQ(producer->wait(90s), 0) << tail_of(*producer);
  ASSERT_EQ(pipeline.wait_for_rows(kCount, 120s, sink.get()), static_cast<std::int64_t>(kCount))
      << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");

  // The log line of a batch follows its commit by a moment (the loop collects it).
  auto batches = loaded_batch_sizes(sink->output());
  for (const auto deadline = std::chrono::steady_clock::now() + 10s;
       std::accumulate(batches.begin(), batches.end(), std::int64_t{0}) <
           static_cast<std::int64_t>(kCount) &&
       std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(50ms);
    batches = loaded_batch_sizes(sink->output());
  }
  ASSERT_FALSE(batches.empty()) << tail_of(*sink);
  EXPECT_LE(*std::max_element(batches.begin(), batches.end()), 100) << tail_of(*sink);
  EXPECT_GE(batches.size(), kCount / 100);
  EXPECT_EQ(std::accumulate(batches.begin(), batches.end(), std::int64_t{0}),
            static_cast<std::int64_t>(kCount));
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
