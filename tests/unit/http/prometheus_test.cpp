#include "http/prometheus.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace tokenflow::http {
namespace {

TEST(LatencyHistogram, CountsIntoBucketsAndEstimatesQuantilesFromAbove) {
  LatencyHistogram histogram;
  for (int i = 0; i < 98; ++i) histogram.record(0.8);  // bucket <= 1 ms
  histogram.record(12);                                 // bucket <= 15 ms
  histogram.record(700);                                // bucket <= 1000 ms
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_DOUBLE_EQ(histogram.quantile_ms(0.5), 1.0);
  EXPECT_DOUBLE_EQ(histogram.quantile_ms(0.99), 15.0);
  EXPECT_DOUBLE_EQ(histogram.quantile_ms(1.0), 700.0);  // capped by the largest seen
  EXPECT_DOUBLE_EQ(histogram.max_ms(), 700.0);
  EXPECT_NEAR(histogram.sum_ms(), 98 * 0.8 + 712, 1e-6);
}

TEST(LatencyHistogram, NegativeAndNanDelaysCountAsZero) {
  LatencyHistogram histogram;
  histogram.record(-5);
  histogram.record(std::nan(""));
  EXPECT_EQ(histogram.cumulative().front(), 2u);
  EXPECT_EQ(histogram.max_ms(), 0.0);
}

TEST(PrometheusWriter, WritesOneFamilyHeaderAndEscapedLabels) {
  PrometheusWriter out;
  out.counter("alerts_total", "alerts fired", 3, {{"rule", "large"}, {"token", "US\"DC"}});
  out.counter("alerts_total", "alerts fired", 1, {{"rule", "mint"}, {"token", "DAI"}});
  out.gauge("up", "1 when up", 1);
  EXPECT_EQ(out.text(),
            "# HELP alerts_total alerts fired\n"
            "# TYPE alerts_total counter\n"
            "alerts_total{rule=\"large\",token=\"US\\\"DC\"} 3\n"
            "alerts_total{rule=\"mint\",token=\"DAI\"} 1\n"
            "# HELP up 1 when up\n"
            "# TYPE up gauge\n"
            "up 1\n");
}

TEST(PrometheusWriter, WritesAHistogramInSecondsWithCumulativeBuckets) {
  LatencyHistogram histogram;
  histogram.record(2);
  histogram.record(40);
  PrometheusWriter out;
  out.histogram_seconds("latency_seconds", "latency", histogram);
  const auto& text = out.text();
  EXPECT_NE(text.find("# TYPE latency_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.002\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.025\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.05\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_sum 0.042\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_count 2\n"), std::string::npos);
}

}  // namespace
}  // namespace tokenflow::http
