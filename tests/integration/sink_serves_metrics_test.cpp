// `tokenflow sink postgres --metrics-port`: the sink's counters, its consumer's and its
// dead-letter producer's on /metrics (Prometheus text), /healthz and /readyz, with the
// figures of what the test sent: rows stored, dead letters.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "support/pipeline_harness.hpp"
#include "support/prometheus_text.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(SinkServesMetrics, CountersOnMetricsMatchWhatWasSent) {
  constexpr std::size_t kRows = 2000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kRows, 93);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);
  auto sink = pipeline.start_sink({"--metrics-port", "0"});
  ASSERT_TRUE(sink->wait_for_output("sink: metrics at http://0.0.0.0:", 60s)) << tail_of(*sink);
  const std::string announced = "sink: metrics at http://0.0.0.0:";
  const auto log = sink->output();
  const int port = std::stoi(log.substr(log.find(announced) + announced.size()));
  auto producer = pipeline.start_file_producer(file);
  ASSERT_EQ(producer->wait(90s), 0) << tail_of(*producer);
  // Two messages that are not transfers: dead letters.
  pipeline.produce_with_kcat({{"k", "not json"}, {"k", "{\"id\":1}"}});
  ASSERT_EQ(pipeline.wait_for_rows(kRows, 120s, sink.get()), static_cast<std::int64_t>(kRows));

  HttpAnswer metrics;
  EXPECT_TRUE(wait_until(
      [&] {
        metrics = http_get(port, "/metrics");
        return prometheus_value(metrics.body, "tokenflow_sink_rows_stored_total") ==
                   static_cast<std::int64_t>(kRows) &&
               prometheus_value(metrics.body, "tokenflow_sink_dead_letters_total") == 2;
      },
      30s))
      << metrics.body;
  EXPECT_EQ(metrics.status, 200u);
  for (const char* name : {"tokenflow_sink_consumed_total", "tokenflow_sink_duplicates_total",
                           "tokenflow_sink_batches_total", "tokenflow_sink_write_retries_total",
                           "tokenflow_kafka_consumed_total", "tokenflow_kafka_commits_total",
                           "tokenflow_kafka_rebalances_total", "tokenflow_kafka_messages_lost_total",
                           "tokenflow_kafka_assigned_partitions", "tokenflow_kafka_delivered_total",
                           "tokenflow_sink_ready"}) {
    EXPECT_GE(prometheus_value(metrics.body, name), 0) << name << " missing from\n" << metrics.body;
  }
  EXPECT_EQ(prometheus_value(metrics.body, "tokenflow_sink_consumed_total"),
            static_cast<std::int64_t>(kRows + 2));
  // Caught up: a lag series for every partition of the topic, each 0 messages and 0 s; one
  // batch duration per batch committed.
  EXPECT_TRUE(wait_until(
      [&] {
        metrics = http_get(port, "/metrics");
        const auto lag = prometheus_samples(metrics.body, "tokenflow_consumer_lag_messages");
        const auto seconds = prometheus_samples(metrics.body, "tokenflow_consumer_lag_seconds");
        if (lag.size() != static_cast<std::size_t>(kPipelinePartitions) || seconds.size() != lag.size()) {
          return false;
        }
        for (const auto& [labels, value] : lag) {
          if (labels.find("topic=\"stablecoin-transfers\"") == std::string::npos || value != 0 ||
              seconds.at(labels) != 0) {
            return false;
          }
        }
        return true;
      },
      30s))
      << metrics.body;
  EXPECT_EQ(prometheus_value(metrics.body, "tokenflow_sink_batch_duration_seconds_count"),
            prometheus_value(metrics.body, "tokenflow_sink_batches_total"));
  EXPECT_EQ(prometheus_samples(metrics.body, "tokenflow_dead_letters_total"),
            (std::map<std::string, double>{
                {"topic=\"tokenflow.dlq\",reason=\"not_json\"", 1},
                {"topic=\"tokenflow.dlq\",reason=\"wrong_type\"", 1}}))
      << metrics.body;
  EXPECT_EQ(http_get(port, "/healthz").status, 200u);
  EXPECT_EQ(http_get(port, "/readyz").status, 200u);
  EXPECT_EQ(http_get(port, "/nothing").status, 404u);
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
