// Proves that `tokenflow produce graphql` keeps polling once caught up: blocks appended at
// the indexer while it runs reach Kafka, and `--confirmations 5` holds back the five newest
// blocks (read from the indexer's _meta) until the head moves past them. Also that a state
// file of another table, or a corrupt one, stops the producer with a message saying what to
// do, and that --reset-state starts over.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "support/graphql_server.hpp"
#include "support/pipeline_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

// With --confirmations, a poll asks for the head (_meta), then for a page up to it.
constexpr std::int64_t kRequestsPerPoll = 2;

std::int64_t messages_in(const Pipeline& pipeline) {
  std::int64_t total = 0;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    total += offset;
  }
  return total;
}

std::int64_t wait_for_messages(const Pipeline& pipeline, std::int64_t expected,
                               std::chrono::milliseconds timeout) {
  std::int64_t seen = 0;
  wait_until([&] { return (seen = messages_in(pipeline)) >= expected; }, timeout, 50ms);
  return seen;
}

// Waits until the producer has asked the indexer `polls` more times: each time it could
// have published what it holds back, had it not held it back.
void wait_for_polls(GraphqlServer& server, std::int64_t polls, ChildProcess& producer) {
  const std::int64_t before = server.stats().requests;
  ASSERT_TRUE(wait_until([&] { return server.stats().requests >= before + polls; }, 30s, 50ms))
      << tail_of(producer);
}

TEST(GraphqlSourceFollowsTheHead, NewBlocksArePickedUpAndConfirmationsHoldBackTheNewest) {
  Pipeline pipeline;
  GraphqlServerOptions options;
  options.seed = 9;
  options.blocks = 20;
  options.per_block = 50;
  GraphqlServer server(pipeline.path("graphql-server.log"), options);
  const auto state_file = pipeline.path("state.json");
  auto producer = pipeline.start_tokenflow(
      graphql_producer_args(server.hasura_endpoint(), pipeline.bootstrap(), state_file,
                            {"--confirmations", "5", "--poll-interval", "0.2"}),
      "producer.log");

  // 20 blocks, head = the 20th: blocks 1..15 have five confirmations.
  EXPECT_EQ(wait_for_messages(pipeline, 15 * 50, 30s), 15 * 50) << tail_of(*producer);
  // A poll's page is in Kafka before the next poll starts (the cursor moves on its
  // acknowledgement): after two more polls anything it would publish is there.
  wait_for_polls(server, 2 * kRequestsPerPoll, *producer);
  EXPECT_EQ(messages_in(pipeline), 15 * 50) << "published blocks with fewer than 5 confirmations";

  server.append(10, 50);
  EXPECT_EQ(wait_for_messages(pipeline, 25 * 50, 30s), 25 * 50) << tail_of(*producer);
  wait_for_polls(server, 2 * kRequestsPerPoll, *producer);
  EXPECT_EQ(messages_in(pipeline), 25 * 50);
  ASSERT_TRUE(producer->running()) << tail_of(*producer);
  producer->signal(SIGTERM);
  EXPECT_EQ(producer->wait(30s), 0) << tail_of(*producer);
  // Blocks 1..15 in one page, then 16..25 once the head moved ten blocks.
  EXPECT_EQ(count_lines_with(producer->output(),
                             {"] Published 750 records to Kafka, max block: 19000014"}),
            1u)
      << tail_of(*producer);
  EXPECT_EQ(count_lines_with(producer->output(),
                             {"] Published 500 records to Kafka, max block: 19000024"}),
            1u)
      << tail_of(*producer);
  // One keep-alive connection for every poll (the control calls use their own).
  EXPECT_GE(count_lines_with(producer->output(), {"1 HTTP connection(s)"}), 1u)
      << tail_of(*producer);

  // A state file of another table: stop, and say what to do.
  auto other = pipeline.start_tokenflow(
      graphql_producer_args(server.hasura_endpoint(), pipeline.bootstrap(), state_file,
                            {"--graphql-table", "otherTransfers", "--exit-when-caught-up"}),
      "other.log");
  EXPECT_EQ(other->wait(30s), 1) << tail_of(*other);
  EXPECT_GE(count_lines_with(other->output(),
                             {"holds the cursor of table stablesTransfers", "--reset-state"}),
            1u)
      << tail_of(*other);

  // A corrupt state file: stop, and say what to do; --reset-state starts over.
  const auto corrupt_file = pipeline.path("corrupt.json");
  std::ofstream(corrupt_file) << "{\"version\":1,\"endpoint\":";
  auto corrupt =
      pipeline.start_tokenflow(graphql_producer_args(server.hasura_endpoint(), pipeline.bootstrap(),
                                                     corrupt_file, {"--exit-when-caught-up"}),
                               "corrupt.log");
  EXPECT_EQ(corrupt->wait(30s), 1) << tail_of(*corrupt);
  EXPECT_GE(count_lines_with(corrupt->output(), {"is corrupt", "--reset-state"}), 1u)
      << tail_of(*corrupt);
  auto reset = pipeline.start_tokenflow(
      graphql_producer_args(
          server.hasura_endpoint(), pipeline.bootstrap(), corrupt_file,
          {"--exit-when-caught-up", "--reset-state", "--start-block", "19000028"}),
      "reset.log");
  EXPECT_EQ(reset->wait(30s), 0) << tail_of(*reset);
  // Blocks 19000028 and 19000029 (the last two) again: 100 more messages.
  EXPECT_EQ(wait_for_messages(pipeline, 25 * 50 + 100, 30s), 25 * 50 + 100);
}

}  // namespace
}  // namespace tokenflow::testing
