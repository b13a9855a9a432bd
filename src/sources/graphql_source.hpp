// `tokenflow produce graphql`: polls a GraphQL indexer for transfers after the cursor, in
// pages ordered by (block, id), publishes each page to Kafka (invalid records to the
// dead-letter topic), waits until Kafka acknowledged every message of the page, and only then
// saves the cursor (the last record's block and id). A full page is followed at once by the
// next (catch-up); a short one means caught up, and the loop sleeps the poll interval.
//
// Every indexer failure (connection refused, timeout, HTTP 5xx, 429, GraphQL errors,
// malformed JSON) is logged, counted and retried with exponential backoff and jitter; the
// cursor never moves before the records it covers are acknowledged. A crash re-sends at most
// the page in flight, which the sinks de-duplicate by id.
//
// Lifecycle: runs on the calling thread until stop (or, with exit_when_caught_up, until the
// first short page); that thread owns the HttpClient and the Producer for the duration.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/retry_policy.hpp"
#include "core/stop_signal.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/producer.hpp"
#include "sources/field_mapping.hpp"
#include "sources/graphql_query.hpp"
#include "http/http_client.hpp"
#include "sources/source_probe.hpp"

namespace tokenflow::sources {

struct GraphqlSourceOptions {
  std::string endpoint = "http://localhost:8080/v1/graphql";
  PageQuerySpec query;  // dialect, table, fields, block and id fields, page size
  FieldMapping mapping;
  std::string topic = "stablecoin-transfers";
  std::string state_file = ".kafka_stream_state.json";
  bool reset_state = false;        // ignore the state file (it is overwritten at the first page)
  std::uint64_t start_block = 0;   // where to start without a state file
  bool start_block_given = false;  // the user asked for start_block (warned about if ignored)
  std::uint64_t confirmations = 0;
  std::chrono::milliseconds poll_interval{5'000};
  core::RetryPolicy retry{std::chrono::milliseconds(500), std::chrono::milliseconds(30'000), 2.0,
                          0};
  std::chrono::milliseconds flush_timeout{30'000};
  bool exit_when_caught_up = false;
};

struct GraphqlSourceSummary {
  std::uint64_t polls = 0;
  std::uint64_t published = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t failures = 0;
  Cursor cursor;
};

core::Result<GraphqlSourceSummary> run_graphql_source(const GraphqlSourceOptions& options,
                                                      http::HttpClient& http, kafka::Producer& producer,
                                                      kafka::DeadLetterPublisher& dead_letters,
                                                      const core::StopSignal& stop,
                                                      SourceProbe& probe, IndexerProbe& indexer);

}  // namespace tokenflow::sources
