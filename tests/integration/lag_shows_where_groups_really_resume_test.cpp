// `tokenflow lag` with the real binary, the embedded cluster and a real PostgreSQL: after
// kcat (a foreign producer) published N transfers and the sink consumed M, every
// partition's figures are exact (log end, committed offset, lag in messages, lag in blocks
// from the messages themselves, lag in seconds within the test's own clock); the positions
// in the sink's database are shown and flagged where they differ from Kafka's; --fail-above
// exits 1 above its threshold; and --watch gives a partition nobody reads the status
// "stalled".
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <chrono>
#include <string>

#include "kafka/admin.hpp"
#include "ops/block_search.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kProduced = 3000;
constexpr std::size_t kConsumed = 1000;
constexpr const char* kLagGroup = "tokenflow-sink-postgres";

std::vector<std::string> lag_args(Pipeline& pipeline, std::vector<std::string> extra) {
  std::vector<std::string> argv = {tokenflow_binary(), "lag",     "--kafka-bootstrap",
                                   pipeline.bootstrap(), "--group", kLagGroup,
                                   "--database-url",    pipeline.postgres().url()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// The JSON document of `lag --format json` (the last line that is one).
std::string json_of(const std::string& output) {
  const auto at = output.rfind("{\"groups\":");
  if (at == std::string::npos) return "";
  return output.substr(at, output.find('\n', at) - at);
}

TEST(LagShowsWhereGroupsReallyResume, FiguresAreExactAfterProducingNAndConsumingM) {
  const auto started = std::chrono::steady_clock::now();
  Pipeline pipeline;
  // Published by kcat (its own partitioner and compression): lag reads what any producer wrote.
  const auto transfers = make_transfers(kProduced, 91);
  pipeline.produce_with_kcat(keyed_messages(transfers));
  auto sink = pipeline.start_sink({"--max-records", std::to_string(kConsumed)});
  ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);

  // What the topic and the group hold, from the cluster and the messages themselves.
  const auto ends = pipeline.end_offsets(kPipelineTopic, kPipelinePartitions);
  const auto stored = pipeline.stored_positions();
  auto admin = kafka::Admin::create(pipeline.client_config());
  ASSERT_TRUE(admin.ok());
  auto committed = (*admin)->committed_offsets(kLagGroup, kPipelineTopic);
  ASSERT_TRUE(committed.ok());
  std::map<int, std::int64_t> kafka_offsets;
  for (const auto& c : *committed) kafka_offsets[c.partition.value] = c.next_offset.value;
  const auto records = pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s);
  std::map<std::pair<int, std::int64_t>, std::int64_t> block_at;
  for (const auto& r : records) block_at[{r.partition, r.offset}] = *ops::block_of(r.payload);

  auto run = run_command(lag_args(pipeline, {"--format", "json"}), 60s);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto seconds_bound =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json_of(run.output)).get(doc), simdjson::SUCCESS) << run.output;
  auto groups = doc["groups"].get_array();
  ASSERT_EQ(groups.size(), 1u) << run.output;
  auto group = groups.at(0);
  EXPECT_EQ(std::string_view(group["group"]), kLagGroup);
  std::int64_t total = 0;
  std::size_t partitions = 0;
  for (auto p : group["partitions"].get_array()) {
    ++partitions;
    const int partition = static_cast<int>(std::int64_t(p["partition"]));
    SCOPED_TRACE("partition " + std::to_string(partition));
    EXPECT_EQ(std::int64_t(p["log_end"]), ends.at(partition));
    EXPECT_EQ(std::int64_t(p["log_start"]), 0);
    const std::int64_t end = ends.at(partition);
    const bool has_kafka = kafka_offsets.count(partition) > 0;
    if (has_kafka) {
      EXPECT_EQ(std::int64_t(p["committed"]), kafka_offsets.at(partition));
    } else {
      EXPECT_TRUE(p["committed"].is_null());
    }
    if (stored.count(partition)) {
      EXPECT_EQ(std::int64_t(p["stored"]), stored.at(partition));
      EXPECT_FALSE(bool(p["resume_differs"])) << "the sink commits to Kafka what it stored";
    }
    const std::int64_t from = has_kafka ? kafka_offsets.at(partition) : 0;
    EXPECT_EQ(std::int64_t(p["lag"]), end - from);
    total += end - from;
    if (end - from > 0 && from > 0) {
      EXPECT_EQ(std::int64_t(p["lag_blocks"]),
                block_at.at({partition, end - 1}) - block_at.at({partition, from - 1}));
      const double seconds = double(p["lag_seconds"]);
      EXPECT_GT(seconds, 0.0);
      EXPECT_LE(seconds, seconds_bound) << "older than the test";
    }
  }
  EXPECT_EQ(partitions, static_cast<std::size_t>(kPipelinePartitions));
  EXPECT_EQ(total, static_cast<std::int64_t>(kProduced - kConsumed));

  // A position in the database that Kafka's offsets do not show is flagged.
  const int moved = stored.begin()->first;
  pipeline.postgres().query("UPDATE raw.tokenflow_offsets SET next_offset = 0 WHERE \"partition\" = " +
                            std::to_string(moved));
  auto flagged = run_command(lag_args(pipeline, {"--format", "json"}), 60s);
  ASSERT_EQ(flagged.exit_code, 0) << flagged.output;
  ASSERT_EQ(parser.parse(json_of(flagged.output)).get(doc), simdjson::SUCCESS) << flagged.output;
  for (auto p : doc["groups"].at(0)["partitions"].get_array()) {
    const bool is_moved = std::int64_t(p["partition"]) == moved;
    EXPECT_EQ(bool(p["resume_differs"]), is_moved && kafka_offsets.count(moved) > 0)
        << simdjson::minify(p);
  }
  auto text = run_command(lag_args(pipeline, {}), 60s);
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("LOG-START-OFFSET"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("RESUMES-AT"), std::string::npos) << text.output;

  // For scripts: exit 1 above the threshold, 0 below.
  auto over = run_command(lag_args(pipeline, {"--fail-above", "10"}), 60s);
  EXPECT_EQ(over.exit_code, 1) << over.output;
  EXPECT_NE(over.output.find("(--fail-above 10)"), std::string::npos) << over.output;
  auto under = run_command(lag_args(pipeline, {"--fail-above", std::to_string(kProduced)}), 60s);
  EXPECT_EQ(under.exit_code, 0) << under.output;

  // --watch: nobody reads, the committed offsets stand still while messages wait. Which
  // partitions the sink read whole depends on kcat's partitioner, so new messages on every
  // partition make sure a committed partition has some waiting.
  pipeline.produce_with_kcat(keyed_messages(make_transfers(600, 92)));
  ChildProcess watch(lag_args(pipeline, {"--watch", "0.3", "--format", "json"}),
                     pipeline.path("watch.log"));
  EXPECT_TRUE(watch.wait_for_output("\"status\":\"stalled\"", 20s)) << watch.output();
  watch.signal(SIGINT);
  EXPECT_EQ(watch.wait(10s), 0) << watch.output();
}

}  // namespace
}  // namespace tokenflow::testing
