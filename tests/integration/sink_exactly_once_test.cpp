// Proves `tokenflow sink postgres` end to end, with the real binary, an embedded 3-broker
// Kafka cluster and a real PostgreSQL: every transfer published lands exactly once, with its
// id and exact value (2^256-1 and 78-digit amounts included); the offsets stored beside the
// rows are the topic's end offsets; `--max-records` (and KAFKA_MAX_RECORDS) stop the sink by
// itself after exactly that many messages, each run resuming where the last one stopped; and
// `--batch-size 100` writes batches of at most 100 rows.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codec/transfer_decoder.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

std::int64_t sum_of(const std::map<int, std::int64_t>& offsets) {
  std::int64_t total = 0;
  for (const auto& [partition, offset] : offsets) total += offset;
  return total;
}

// The ids a sink must have stored when it stands at `positions`: those of every message
// below the stored next offset of its partition.
std::set<std::string> ids_below(const std::vector<TopicRecord>& topic,
                                const std::map<int, std::int64_t>& positions) {
  std::set<std::string> ids;
  codec::TransferDecoder decoder;
  core::Transfer transfer;
  for (const auto& record : topic) {
    auto it = positions.find(record.partition);
    if (it == positions.end() || record.offset >= it->second) continue;
    EXPECT_TRUE(decoder.decode(record.payload, transfer).ok());
    ids.insert(transfer.id.value);
  }
  return ids;
}

std::set<std::string> keys_of(const std::map<std::string, std::string>& rows) {
  std::set<std::string> keys;
  for (const auto& [id, value] : rows) keys.insert(id);
  return keys;
}

TEST(SinkExactlyOnce, TwentyThousandTransfersInExactlyTheSameRowsOut) {
  constexpr std::size_t kCount = 20'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kCount, 11);
  const auto expected = expected_rows(transfers);
  ASSERT_EQ(expected.size(), kCount);
  ASSERT_EQ(expected.count(transfers[7].id.value), 1u);
  ASSERT_EQ(expected.at(transfers[7].id.value),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935");
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

  // The same ids with the same values, nothing more.
  EXPECT_EQ(describe_difference(expected, pipeline.stored_rows()), "");
  // The topic holds each message once, and the sink stands at its end on every partition.
  const auto end = pipeline.end_offsets(kPipelineTopic, kPipelinePartitions);
  EXPECT_EQ(sum_of(end), static_cast<std::int64_t>(kCount));
  std::map<int, std::int64_t> non_empty;
  for (const auto& [partition, offset] : end) {
    if (offset > 0) non_empty[partition] = offset;
  }
  EXPECT_GE(non_empty.size(), 8u) << "the transfers should spread over the partitions";
  EXPECT_EQ(pipeline.stored_positions(), non_empty);

  // Its progress lines: one per batch, adding up to every row.
  const auto output = sink->output();
  const auto batches = loaded_batch_sizes(output);
  EXPECT_FALSE(batches.empty()) << tail_of(*sink);
  EXPECT_EQ(std::accumulate(batches.begin(), batches.end(), std::int64_t{0}),
            static_cast<std::int64_t>(kCount))
      << tail_of(*sink);
  EXPECT_GE(count_lines_with(output, {"Loaded ", " records to raw.transfers_kafka"}), 1u);

  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  EXPECT_EQ(pipeline.row_and_id_counts(),
            std::make_pair(static_cast<std::int64_t>(kCount), static_cast<std::int64_t>(kCount)));
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
    const auto log = "sink-" + std::to_string(i + 1) + ".log";
    auto sink = pipeline.start_sink(runs[i].flags, log, runs[i].env);
    // It stops by itself, successfully.
    ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);
    consumed += runs[i].records;
    // Every message is a distinct valid transfer, so consumed == stored.
    EXPECT_EQ(pipeline.row_and_id_counts(), std::make_pair(consumed, consumed)) << tail_of(*sink);
    const auto positions = pipeline.stored_positions();
    EXPECT_EQ(sum_of(positions), consumed) << tail_of(*sink);
    // The rows are exactly the messages below the stored offsets.
    EXPECT_EQ(keys_of(pipeline.stored_rows()), ids_below(topic, positions));
    EXPECT_EQ(count_lines_with(sink->output(),
                               {"stopped after " + std::to_string(runs[i].records) + " messages"}),
              1u)
        << tail_of(*sink);
    if (i > 0) {
      EXPECT_GE(count_lines_with(sink->output(), {"resumes at offset"}), 1u) << tail_of(*sink);
    }
  }
  ASSERT_EQ(consumed, static_cast<std::int64_t>(kCount));
  EXPECT_EQ(describe_difference(expected, pipeline.stored_rows()), "");
  std::map<int, std::int64_t> non_empty;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    if (offset > 0) non_empty[partition] = offset;
  }
  EXPECT_EQ(pipeline.stored_positions(), non_empty);
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
