// Proves that `tokenflow produce graphql` killed with SIGKILL in the middle of a catch-up
// (twice) and restarted with the same state file loses nothing: every record reaches
// PostgreSQL exactly once, every column as the indexer holds it (the sink absorbs the at
// most one page re-sent per crash), and each restart resumes after the cursor it had saved
// rather than from the start.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "support/graphql_server.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(GraphqlSourceSurvivesSigkill, KilledTwiceMidCatchUpStillExactlyOnce) {
  Pipeline pipeline;
  GraphqlServerOptions options;
  options.seed = 3;
  options.blocks = 200;
  options.per_block = 150;
  options.big_block_size = 2'000;
  GraphqlServer server(pipeline.path("graphql-server.log"), options);
  const auto valid = server.valid_ids();
  const auto total = static_cast<std::int64_t>(valid.size());

  auto sink = pipeline.start_sink();
  const auto state_file = pipeline.path("state.json");
  // Small pages and a slow poll loop would hide the crash window; pages of 250 give a
  // catch-up of ~130 pages, and the kill lands while pages are in flight.
  const std::vector<std::string> flags = {"--page-size", "250", "--exit-when-caught-up",
                                          "--linger-ms", "20"};
  for (int run = 1; run <= 2; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    const auto served_before = server.stats().records;
    auto producer = pipeline.start_tokenflow(
        graphql_producer_args(server.hasura_endpoint(), pipeline.bootstrap(), state_file, flags),
        "producer-" + std::to_string(run) + ".log");
    // Kill once this run has read a third of the records.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (server.stats().records - served_before < total / 3 && producer->running() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(producer->running()) << "finished before the kill: " << tail_of(*producer);
    producer->signal(SIGKILL);
    ASSERT_EQ(producer->wait(10s), 128 + SIGKILL);
    if (run == 2) {
      EXPECT_GE(count_lines_with(producer->output(), {"resuming after block"}), 1u)
          << tail_of(*producer);
    }
  }
  const auto served_before_last = server.stats().records;
  auto producer = pipeline.start_tokenflow(
      graphql_producer_args(server.hasura_endpoint(), pipeline.bootstrap(), state_file, flags),
      "producer-3.log");
  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  EXPECT_GE(count_lines_with(producer->output(), {"resuming after block"}), 1u);
  // The last run did not start over: it read well under everything.
  EXPECT_LT(server.stats().records - served_before_last, total);

  ASSERT_EQ(pipeline.wait_for_rows(total, 120s, sink.get()), total) << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(server.valid_records()), pipeline.stored_rows()), "");
  // At most one page per crash was sent twice.
  std::int64_t in_kafka = 0;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    in_kafka += offset;
  }
  EXPECT_GE(in_kafka, total);
  EXPECT_LE(in_kafka, total + 2 * 250);
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
