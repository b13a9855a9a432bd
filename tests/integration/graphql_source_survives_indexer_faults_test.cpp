// Proves that `tokenflow produce graphql` survives every way an indexer fails: first no
// server at all (connection refused), then a server answering at random with HTTP 500,
// answers slower than the request timeout, garbage instead of JSON, 429 with Retry-After, a
// GraphQL `errors` array and reset connections. Each failure is logged by kind and retried
// with backoff; 429's Retry-After is honoured; and every record still reaches PostgreSQL
// exactly once, every column as the indexer holds it.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <sstream>
#include <thread>

#include "support/graphql_server.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(GraphqlSourceSurvivesIndexerFaults, RefusedThenRandomFaultsStillExactlyOnce) {
  Pipeline pipeline;
  auto sink = pipeline.start_sink();
  GraphqlServerOptions options;
  options.port = free_loopback_port();
  options.seed = 5;
  options.blocks = 100;
  options.per_block = 150;
  options.fault = R"({"mode":"random","rate":0.5,"count":24,"delay_ms":1500,"retry_after":1})";
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(options.port) + "/v1/graphql";

  // No server yet: the producer must wait, not fail.
  auto producer = pipeline.start_tokenflow(
      graphql_producer_args(endpoint, pipeline.bootstrap(), pipeline.path("state.json"),
                            {"--page-size", "200", "--exit-when-caught-up"}),
      "producer.log");
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (count_lines_with(producer->output(), {"indexer failed (connection_failed)"}) < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(producer->running()) << tail_of(*producer);
  ASSERT_GE(count_lines_with(producer->output(), {"indexer failed (connection_failed)"}), 2u);

  GraphqlServer server(pipeline.path("graphql-server.log"), options);
  const auto valid = server.valid_ids();
  const auto total = static_cast<std::int64_t>(valid.size());
  ASSERT_EQ(producer->wait(150s), 0) << tail_of(*producer);
  // 75 pages at a 50% fault rate use up the 24 faults (four of each kind, in turn) long
  // before the end.
  EXPECT_EQ(server.stats().faults, 24);

  ASSERT_EQ(pipeline.wait_for_rows(total, 120s, sink.get()), total) << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(server.valid_records()), pipeline.stored_rows()), "");

  const auto output = producer->output();
  for (const char* kind :
       {"http_status", "timed_out", "malformed_response", "rate_limited", "graphql_errors"}) {
    EXPECT_GE(count_lines_with(output, {std::string("indexer failed (") + kind + ")"}), 1u)
        << kind << "\n"
        << tail_of(*producer);
  }
  // Every retry after a 429 waited at least its Retry-After (1 s).
  std::istringstream lines(output);
  std::string line;
  const std::regex delay(R"(retry \d+ in (\d+) ms)");
  int rate_limited = 0;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (line.find("(rate_limited)") == std::string::npos || !std::regex_search(line, m, delay))
      continue;
    ++rate_limited;
    EXPECT_GE(std::stoi(m[1]), 1000) << line;
  }
  EXPECT_GE(rate_limited, 1);
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
