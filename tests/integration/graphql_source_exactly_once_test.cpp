// Proves `tokenflow produce graphql` end to end against a real GraphQL server (graphql-js),
// the embedded Kafka cluster and `tokenflow sink postgres`: a catch-up of more than 50,000
// transfers, one block of them larger than three pages, lands in PostgreSQL exactly once
// with every column as the indexer holds it; invalid records go to tokenflow.dlq with their
// reason and the cursor moves past them; the state file ends at the last record; and The
// Graph's dialect reads the same.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "support/graphql_server.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(GraphqlSourceExactlyOnce, FiftyThousandWithABlockOfMoreThanThreePagesLandOnceEach) {
  Pipeline pipeline;
  GraphqlServerOptions options;
  options.blocks = 300;
  options.per_block = 170;
  options.big_block_size = 3'500;  // page size 1000: the block spans four pages
  options.invalid = 4;
  GraphqlServer server(pipeline.path("graphql-server.log"), options);
  const auto valid = server.valid_ids();
  const auto invalid = server.invalid_ids();
  ASSERT_GE(valid.size(), 50'000u);
  ASSERT_EQ(invalid.size(), 4u);

  auto sink = pipeline.start_sink();
  const auto state_file = pipeline.path("state.json");
  auto producer = pipeline.start_tokenflow(
      graphql_producer_args(
          server.hasura_endpoint(), pipeline.bootstrap(), state_file,
          {"--page-size", "1000", "--poll-interval", "0.2", "--exit-when-caught-up"}),
      "producer.log");
  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);

  const auto rows =
      pipeline.wait_for_rows(static_cast<std::int64_t>(valid.size()), 120s, sink.get());
  ASSERT_EQ(rows, static_cast<std::int64_t>(valid.size())) << tail_of(*sink);
  // Every record the indexer holds, every column as it holds it.
  EXPECT_EQ(describe_difference(expected_rows(server.valid_records()), pipeline.stored_rows()), "");
  // Kafka holds each valid record once: the producer sent nothing twice.
  std::int64_t in_kafka = 0;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    in_kafka += offset;
  }
  EXPECT_EQ(in_kafka, static_cast<std::int64_t>(valid.size()));

  // The invalid records are dead letters with a reason; none is in the table.
  const auto dead = pipeline.read_topic(kPipelineDeadLetterTopic, 3, 60s);
  ASSERT_EQ(dead.size(), invalid.size());
  for (const auto& record : dead) {
    EXPECT_FALSE(record.headers.at("tokenflow.reason").empty());
    EXPECT_NE(record.headers.at("tokenflow.source.topic").find("stablesTransfers@"),
              std::string::npos);
  }

  const auto output = producer->output();
  EXPECT_GE(count_lines_with(output, {"[Poll ", "] Published 1000 records to Kafka, max block: "}),
            50u)
      << tail_of(*producer);
  EXPECT_EQ(count_lines_with(output, {"sent to tokenflow.dlq"}), invalid.size());
  EXPECT_EQ(count_lines_with(output, {"indexer failed"}), 0u) << tail_of(*producer);
  EXPECT_GE(count_lines_with(output, {"1 HTTP connection(s)"}), 1u) << tail_of(*producer);
  const auto state = read_file(state_file);
  EXPECT_NE(state.find("\"block_number\":" + std::to_string(server.stats().head)),
            std::string::npos)
      << state;
  EXPECT_NE(state.find("\"event_id\":\"" + valid.back() + "\""), std::string::npos) << state;

  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

TEST(GraphqlSourceExactlyOnce, TheGraphDialectReadsEveryTransferOnceAcrossPagesOfOneBlock) {
  Pipeline pipeline;
  GraphqlServerOptions options;
  options.seed = 7;
  options.blocks = 40;
  options.per_block = 100;
  options.big_block_size = 1'700;  // page size 500: the block spans four pages
  GraphqlServer server(pipeline.path("graphql-server.log"), options);
  const auto valid = server.valid_ids();

  auto sink = pipeline.start_sink();
  auto producer = pipeline.start_tokenflow(
      graphql_producer_args(server.thegraph_endpoint(), pipeline.bootstrap(),
                            pipeline.path("state.json"),
                            {"--dialect", "thegraph", "--graphql-table", "transfers", "--page-size",
                             "500", "--exit-when-caught-up"}),
      "producer.log");
  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  ASSERT_EQ(pipeline.wait_for_rows(static_cast<std::int64_t>(valid.size()), 120s, sink.get()),
            static_cast<std::int64_t>(valid.size()))
      << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(server.valid_records()), pipeline.stored_rows()), "");
  EXPECT_GE(count_lines_with(producer->output(), {"] Published 500 records to Kafka"}), 9u)
      << tail_of(*producer);
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
