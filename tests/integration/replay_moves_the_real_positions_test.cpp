// `tokenflow replay` against the embedded cluster and a real PostgreSQL, with the real
// binary: a dry run changes nothing; --execute moves the sink's positions in its database
// together with Kafka's, so the sink really reads again (its rows stay exact); every target
// (--to-datetime, --shift-by, --to-block) lands on the offsets the topic's own content says,
// in every partition; the statistics' checkpoints are set aside with a start position.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "core/timestamp.hpp"
#include "kafka/admin.hpp"
#include "stream/checkpoint_store.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kReplayed = 3000;
constexpr const char* kSinkGroup = "tokenflow-sink-postgres";

std::map<int, std::int64_t> committed_in_kafka(Pipeline& pipeline) {
  auto admin = kafka::Admin::create(pipeline.client_config());
  EXPECT_TRUE(admin.ok());
  std::map<int, std::int64_t> out;
  auto committed = (*admin)->committed_offsets(kSinkGroup, kPipelineTopic);
  EXPECT_TRUE(committed.ok()) << committed.error().message;
  for (const auto& p : *committed) out[p.partition.value] = p.next_offset.value;
  return out;
}

CommandResult replay(Pipeline& pipeline, std::vector<std::string> args) {
  std::vector<std::string> argv = {tokenflow_binary(), "replay", "--kafka-bootstrap",
                                   pipeline.bootstrap(), "--group", kSinkGroup,
                                   "--database-url", pipeline.postgres().url()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, 60s);
}

// Publishes the transfers and lets the sink store them all.
void load(Pipeline& pipeline, const std::vector<core::Transfer>& transfers, const std::string& name) {
  const auto file = pipeline.path(name + ".ndjson");
  write_ndjson(file, transfers);
  auto producer = pipeline.start_file_producer(file, {}, name + "-producer.log");
  ASSERT_EQ(producer->wait(90s), 0) << tail_of(*producer);
  auto sink = pipeline.start_sink({"--max-records", std::to_string(transfers.size())},
                                  name + "-sink.log");
  ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);
}

TEST(ReplayMovesTheRealPositions, ADryRunChangesNothingAndExecuteMakesTheSinkReadEverythingAgain) {
  Pipeline pipeline;
  const auto transfers = make_transfers(kReplayed, 81);
  load(pipeline, transfers, "first");
  const auto ends = pipeline.non_empty_end_offsets();
  ASSERT_EQ(pipeline.stored_positions(), ends);
  const auto kafka_before = committed_in_kafka(pipeline);

  auto dry = replay(pipeline, {"--to-earliest"});
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("dry run: nothing changed"), std::string::npos) << dry.output;
  EXPECT_NE(dry.output.find("total: " + std::to_string(kReplayed) + " messages to read again"),
            std::string::npos)
      << dry.output;
  EXPECT_EQ(pipeline.stored_positions(), ends);
  EXPECT_EQ(committed_in_kafka(pipeline), kafka_before);

  auto executed = replay(pipeline, {"--to-earliest", "--execute"});
  ASSERT_EQ(executed.exit_code, 0) << executed.output;
  // Every partition, the empty ones too, now has a stored position: the start of its log.
  const auto all_ends = pipeline.end_offsets(kPipelineTopic, kPipelinePartitions);
  std::map<int, std::int64_t> zeros;
  for (const auto& [partition, end] : all_ends) zeros[partition] = 0;
  EXPECT_EQ(pipeline.stored_positions(), zeros) << executed.output;
  // The embedded cluster takes commits only from the group's members: replay says so, and
  // Kafka's offsets move at the sink's next commit (checked below).
  EXPECT_NE(executed.output.find("the embedded cluster refuses offsets from outside the group"),
            std::string::npos)
      << executed.output;

  // The sink reads every message again from the stored positions: all duplicates, the
  // table exact, the positions back at the ends.
  auto sink = pipeline.start_sink({"--max-records", std::to_string(kReplayed)}, "again-sink.log");
  ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);
  EXPECT_EQ(logged_offsets(sink->output(), kPipelineTopic, "resumes at offset ", " (stored in"),
            zeros)
      << tail_of(*sink);
  const auto summary = sink_summary(sink->output());
  EXPECT_EQ(summary.duplicates, static_cast<std::int64_t>(kReplayed)) << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  EXPECT_EQ(pipeline.stored_positions(), all_ends);
  const auto kafka_after = committed_in_kafka(pipeline);
  for (const auto& [partition, end] : ends) {
    EXPECT_EQ(kafka_after.count(partition) ? kafka_after.at(partition) : -1, end)
        << "partition " << partition;
  }
}

TEST(ReplayMovesTheRealPositions, ExecuteIsRefusedWhileTheGroupsSinkRuns) {
  Pipeline pipeline;
  const auto transfers = make_transfers(500, 82);
  load(pipeline, transfers, "first");
  const auto stored = pipeline.stored_positions();
  // A sink of the group, running (caught up, waiting for more).
  auto sink = pipeline.start_sink({}, "running-sink.log");
  ASSERT_TRUE(sink->wait_for_output("resumes at offset", 60s)) << tail_of(*sink);
  auto refused = replay(pipeline, {"--to-earliest", "--execute"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("a sink of group " + std::string(kSinkGroup) + " is running"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(pipeline.stored_positions(), stored);
  // A dry run still shows the plan, and says --execute would be refused.
  auto dry = replay(pipeline, {"--to-earliest"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("--execute would be refused"), std::string::npos) << dry.output;
  // Stopped, the sink no longer holds the group: --execute goes through.
  sink->signal(SIGTERM);
  ASSERT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  auto executed = replay(pipeline, {"--to-earliest", "--execute"});
  EXPECT_EQ(executed.exit_code, 0) << executed.output;
}

TEST(ReplayMovesTheRealPositions, DatetimeShiftAndBlockLandWhereTheTopicSays) {
  Pipeline pipeline;
  auto transfers = make_transfers(2 * kReplayed, 82);
  const std::vector<core::Transfer> early(transfers.begin(), transfers.begin() + kReplayed);
  const std::vector<core::Transfer> late(transfers.begin() + kReplayed, transfers.end());
  load(pipeline, early, "early");
  const auto early_ends = pipeline.end_offsets(kPipelineTopic, kPipelinePartitions);
  // Message timestamps are the produce time: a pause marks the boundary.
  std::this_thread::sleep_for(1500ms);
  const auto boundary = core::now_millis().value;
  std::this_thread::sleep_for(500ms);
  load(pipeline, late, "late");
  const auto ends = pipeline.end_offsets(kPipelineTopic, kPipelinePartitions);

  // --to-datetime: the first message produced after the pause, in every partition.
  const auto at = core::to_iso8601(core::UnixMillis{boundary});
  auto by_time = replay(pipeline, {"--to-datetime", at, "--execute"});
  ASSERT_EQ(by_time.exit_code, 0) << by_time.output;
  EXPECT_EQ(pipeline.stored_positions(), early_ends) << by_time.output;

  // --shift-by -100 from there, clamped at the log's start.
  auto shifted = replay(pipeline, {"--shift-by", "-100", "--execute"});
  ASSERT_EQ(shifted.exit_code, 0) << shifted.output;
  std::map<int, std::int64_t> expected_shift;
  for (const auto& [partition, offset] : early_ends) {
    expected_shift[partition] = std::max<std::int64_t>(0, offset - 100);
  }
  EXPECT_EQ(pipeline.stored_positions(), expected_shift) << shifted.output;

  // --to-block: the first message of the block or later, from the messages themselves.
  const std::int64_t block = 19'000'000 + 2300 / 50;  // make_transfers: 50 per block
  const auto records = pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s);
  std::map<int, std::int64_t> expected_block = ends;
  for (const auto& record : records) {
    const auto decoded = decode_transfers({record});
    if (static_cast<std::int64_t>(decoded.at(0).block_number) >= block &&
        record.offset < expected_block[record.partition]) {
      expected_block[record.partition] = record.offset;
    }
  }
  auto by_block = replay(pipeline, {"--to-block", std::to_string(block), "--execute"});
  ASSERT_EQ(by_block.exit_code, 0) << by_block.output;
  std::map<int, std::int64_t> stored = pipeline.stored_positions();
  for (const auto& [partition, offset] : ends) {
    if (offset == 0) continue;  // an empty partition has no stored position to compare
    EXPECT_EQ(stored[partition], expected_block[partition]) << "partition " << partition;
  }
  EXPECT_NE(by_block.output.find("found block " + std::to_string(block) + " with "),
            std::string::npos)
      << by_block.output;
}

TEST(ReplayMovesTheRealPositions, StatisticsCheckpointsAreSetAsideWithAStartPosition) {
  Pipeline pipeline(false);
  const std::string dir = pipeline.path("state");
  stream::CheckpointStore checkpoints(dir);
  ASSERT_TRUE(checkpoints.open().ok());
  ASSERT_TRUE(checkpoints.write("defi.swaps", core::Partition{1}, "old state").ok());
  auto admin = kafka::Admin::create(pipeline.client_config());
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(pipeline.cluster().create_topic("defi.swaps", 3).ok());

  auto result = run_command({tokenflow_binary(), "replay", "--kafka-bootstrap",
                             pipeline.bootstrap(), "--group", "tokenflow-stats", "--topic",
                             "defi.swaps:1,2", "--to-earliest", "--state-dir", dir, "--execute"},
                            60s);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("defi.swaps[1]: checkpoint set aside"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("defi.swaps[2]: no checkpoint"), std::string::npos) << result.output;
  auto old = checkpoints.read("defi.swaps", core::Partition{1});
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->has_value()) << "the old checkpoint is still where the service reads it";
  EXPECT_TRUE(std::filesystem::exists(checkpoints.path_of("defi.swaps", core::Partition{1}) +
                                      ".before-replay"));
  for (int p : {1, 2}) {
    auto start = checkpoints.read_start("defi.swaps", core::Partition{p});
    ASSERT_TRUE(start.ok());
    ASSERT_TRUE(start->has_value()) << "partition " << p;
    EXPECT_EQ((*start)->value, 0);
  }
  // A checkpoint written afterwards supersedes the start position.
  ASSERT_TRUE(checkpoints.write("defi.swaps", core::Partition{2}, "new state").ok());
  auto start = checkpoints.read_start("defi.swaps", core::Partition{2});
  ASSERT_TRUE(start.ok());
  EXPECT_FALSE(start->has_value());
}

TEST(ReplayMovesTheRealPositions, UsageErrorsSayWhatIsMissing) {
  Pipeline pipeline(false);
  auto none = run_command({tokenflow_binary(), "replay", "--kafka-bootstrap", pipeline.bootstrap(),
                           "--group", "g"},
                          30s);
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("exactly one of --to-earliest"), std::string::npos) << none.output;
  auto two = run_command({tokenflow_binary(), "replay", "--kafka-bootstrap", pipeline.bootstrap(),
                          "--group", "g", "--to-earliest", "--to-latest"},
                         30s);
  EXPECT_EQ(two.exit_code, 2) << two.output;
  auto bad_topic = run_command({tokenflow_binary(), "replay", "--kafka-bootstrap",
                                pipeline.bootstrap(), "--group", "g", "--topic", "t:x",
                                "--to-earliest"},
                               30s);
  EXPECT_EQ(bad_topic.exit_code, 2) << bad_topic.output;
  auto no_offsets = run_command({tokenflow_binary(), "replay", "--kafka-bootstrap",
                                 pipeline.bootstrap(), "--group", "never-committed",
                                 "--to-earliest"},
                                30s);
  EXPECT_EQ(no_offsets.exit_code, 1) << no_offsets.output;
  EXPECT_NE(no_offsets.output.find("name its topics with --topic"), std::string::npos)
      << no_offsets.output;
}

}  // namespace
}  // namespace tokenflow::testing
