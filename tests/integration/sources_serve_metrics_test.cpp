// `tokenflow produce simulate --metrics-port`: a running source's counters on /metrics
// (events read, published, the producer's deliveries), /healthz and /readyz.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/pipeline_harness.hpp"
#include "support/prometheus_text.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(SourcesServeMetrics, TheSimulatorCountsWhatItPublishesOnMetrics) {
  Pipeline pipeline(false);
  auto simulate = pipeline.start_tokenflow(
      {"produce", "simulate", "--kafka-bootstrap", pipeline.bootstrap(), "--count", "2000",
       "--rate", "400", "--metrics-port", "0"},
      "simulate.log");
  const std::string announced = "simulate: metrics at http://0.0.0.0:";
  ASSERT_TRUE(simulate->wait_for_output(announced, 60s)) << tail_of(*simulate);
  const auto log = simulate->output();
  const int port = std::stoi(log.substr(log.find(announced) + announced.size()));
  HttpAnswer metrics;
  EXPECT_TRUE(wait_until(
      [&] {
        metrics = http_get(port, "/metrics");
        return prometheus_value(metrics.body, "tokenflow_source_published_total") > 0 &&
               prometheus_value(metrics.body, "tokenflow_kafka_delivered_total") > 0;
      },
      30s))
      << metrics.body;
  EXPECT_GE(prometheus_value(metrics.body, "tokenflow_source_read_total"),
            prometheus_value(metrics.body, "tokenflow_source_published_total"));
  EXPECT_GE(prometheus_value(metrics.body, "tokenflow_source_dead_letters_total"), 0) << metrics.body;
  EXPECT_EQ(http_get(port, "/healthz").status, 200u);
  EXPECT_EQ(http_get(port, "/readyz").status, 200u);
  EXPECT_EQ(simulate->wait(60s), 0) << tail_of(*simulate);
  // Everything it counted as published is on the topic.
  EXPECT_EQ(pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s).size(), 2000u);
}

}  // namespace
}  // namespace tokenflow::testing
