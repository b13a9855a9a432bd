// The sink's stored positions vouch for one table and one log; when they no longer describe
// what is there they are never trusted silently (issue 15, part 4):
// - the table dropped and created again (a common reload): the positions stored for the old
//   table are forgotten, said in the log, and the new table is loaded from the start, every
//   column exact;
// - the table TRUNCATEd: its positions go in the same transaction (a trigger), and the next
//   run loads it from the start;
// - a stored position beyond its partition's end (the topic created again, another
//   cluster): the sink stops with an error naming the partition and `tokenflow replay`,
//   and stores nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kLoaded = 3000;

// Publishes kLoaded transfers and runs the sink until it stored all of them.
struct LoadedPipeline {
  Pipeline pipeline;
  std::vector<core::Transfer> transfers = make_transfers(kLoaded, 71);

  LoadedPipeline() {
    const auto file = pipeline.path("transfers.ndjson");
    write_ndjson(file, transfers);
    auto producer = pipeline.start_file_producer(file);
    EXPECT_EQ(producer->wait(90s), 0) << tail_of(*producer);
    auto sink = pipeline.start_sink({"--max-records", std::to_string(kLoaded)}, "first-sink.log");
    EXPECT_EQ(sink->wait(120s), 0) << tail_of(*sink);
    EXPECT_EQ(pipeline.row_count(), static_cast<std::int64_t>(kLoaded));
    EXPECT_EQ(pipeline.stored_positions(), pipeline.non_empty_end_offsets());
  }
};

TEST(SinkPositionsBelongToTheirTable, ATableDroppedAndCreatedAgainIsLoadedFromTheStart) {
  LoadedPipeline loaded;
  auto& pipeline = loaded.pipeline;
  ASSERT_FALSE(pipeline.stored_positions().empty());

  pipeline.postgres().query("DROP TABLE raw.transfers_kafka");
  auto schema = run_command(
      {tokenflow_binary(), "init-schema", "--database-url", pipeline.postgres().url()}, 60s);
  ASSERT_EQ(schema.exit_code, 0) << schema.output;
  ASSERT_EQ(pipeline.row_count(), 0);
  // The old table's positions are still there, under the same name: only their table's
  // identity tells them apart.
  ASSERT_FALSE(pipeline.stored_positions().empty());

  auto sink = pipeline.start_sink({"--max-records", std::to_string(kLoaded)}, "second-sink.log");
  ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);
  EXPECT_GE(count_lines_with(sink->output(), {"forgot the position ", "stored for an earlier table"}),
            1u)
      << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(loaded.transfers), pipeline.stored_rows()), "");
  EXPECT_EQ(pipeline.stored_positions(), pipeline.non_empty_end_offsets());
}

TEST(SinkPositionsBelongToTheirTable, TruncateForgetsThePositionsAndTheNextRunLoadsEverything) {
  LoadedPipeline loaded;
  auto& pipeline = loaded.pipeline;

  pipeline.postgres().query("TRUNCATE raw.transfers_kafka");
  EXPECT_TRUE(pipeline.stored_positions().empty())
      << "TRUNCATE left the positions of the rows it removed";

  auto sink = pipeline.start_sink({"--max-records", std::to_string(kLoaded)}, "second-sink.log");
  ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(loaded.transfers), pipeline.stored_rows()), "");
  EXPECT_EQ(pipeline.stored_positions(), pipeline.non_empty_end_offsets());
}

TEST(SinkPositionsBelongToTheirTable, APositionBeyondThePartitionsEndStopsTheSinkNamingTheFix) {
  LoadedPipeline loaded;
  auto& pipeline = loaded.pipeline;
  const auto before = pipeline.stored_positions();
  ASSERT_FALSE(before.empty());
  const int partition = before.begin()->first;
  // As if the topic had been deleted and created again: the log is shorter than the
  // position stored for it.
  pipeline.postgres().query(
      "UPDATE raw.tokenflow_offsets SET next_offset = next_offset + 500 WHERE \"partition\" = " +
      std::to_string(partition));

  auto sink = pipeline.start_sink({}, "second-sink.log");
  const auto code = sink->wait(60s);
  ASSERT_TRUE(code.has_value()) << "the sink went on reading\n" << tail_of(*sink);
  EXPECT_EQ(*code, 1) << tail_of(*sink);
  const auto output = sink->output();
  EXPECT_GE(count_lines_with(output, {kPipelineTopic + ("[" + std::to_string(partition) + "]"),
                                      "is beyond the partition's end"}),
            1u)
      << tail_of(*sink);
  EXPECT_NE(output.find("tokenflow replay --group "), std::string::npos) << tail_of(*sink);
  EXPECT_EQ(pipeline.row_count(), static_cast<std::int64_t>(kLoaded));
}

}  // namespace
}  // namespace tokenflow::testing
