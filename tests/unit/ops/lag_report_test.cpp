#include "ops/lag_report.hpp"

#include <gtest/gtest.h>

namespace tokenflow::ops {
namespace {

using namespace std::chrono_literals;

std::deque<LagSample> samples(std::initializer_list<std::pair<std::int64_t, std::int64_t>> points) {
  std::deque<LagSample> out;
  auto at = std::chrono::steady_clock::time_point{};
  for (const auto& [committed, end] : points) {
    out.push_back({at, committed, end});
    at += 1s;
  }
  return out;
}

TEST(LagStatus, FromTheLastSamplesAsBurrowGivesThem) {
  EXPECT_EQ(evaluate({}, std::nullopt), PartitionStatus::unknown);
  EXPECT_EQ(evaluate(samples({{-1, 10}}), std::nullopt), PartitionStatus::no_offsets);
  EXPECT_EQ(evaluate(samples({{10, 10}}), std::nullopt), PartitionStatus::ok);
  EXPECT_EQ(evaluate(samples({{5, 10}}), std::nullopt), PartitionStatus::unknown) << "one sample";
  // Keeping up: the lag's low points do not rise.
  EXPECT_EQ(evaluate(samples({{0, 100}, {100, 150}, {150, 260}, {260, 300}}), true),
            PartitionStatus::ok);
  // Committing, but further behind each time.
  EXPECT_EQ(evaluate(samples({{0, 100}, {50, 400}, {100, 900}, {150, 1500}}), true),
            PartitionStatus::falling_behind);
  // Messages wait and the offset stands still: stalled with members, stopped without.
  EXPECT_EQ(evaluate(samples({{50, 100}, {50, 120}, {50, 150}}), true), PartitionStatus::stalled);
  EXPECT_EQ(evaluate(samples({{50, 100}, {50, 120}, {50, 150}}), false), PartitionStatus::stopped);
  EXPECT_EQ(evaluate(samples({{50, 100}, {50, 120}}), std::nullopt), PartitionStatus::stalled);
  // Backwards: a replay or a reset.
  EXPECT_EQ(evaluate(samples({{500, 600}, {100, 600}, {150, 600}}), true), PartitionStatus::rewound);
}

TEST(LagReport, TextAndJsonSayWhereTheGroupReallyResumes) {
  GroupLagReport group;
  group.group = "tokenflow-sink-postgres";
  PartitionLagRow row;
  row.topic = "stablecoin-transfers";
  row.partition = 3;
  row.log_end = 900;
  row.committed = 800;
  row.stored = 700;
  row.lag = 100;
  row.lag_seconds = 2.5;
  row.lag_blocks = 4;
  row.status = PartitionStatus::stalled;
  group.rows.push_back(row);
  EXPECT_TRUE(group.rows[0].resume_differs());
  const auto text = format_lag_text({group});
  EXPECT_NE(text.find("700*"), std::string::npos) << text;
  EXPECT_NE(text.find("stalled"), std::string::npos) << text;
  const auto json = format_lag_json({group});
  EXPECT_NE(json.find("\"stored\":700,\"checkpoint\":null,\"resume_differs\":true"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"lag_seconds\":2.5,\"lag_blocks\":4,\"status\":\"stalled\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"state\":null,\"members\":null,\"lag\":100"), std::string::npos) << json;
}

}  // namespace
}  // namespace tokenflow::ops
