// `tokenflow dashboard` against a cluster it did not fill: every message below is produced
// by kcat (a foreign producer, its own partitioner, gzip), including a garbage alert and dead
// letters with and without tokenflow's headers. The JSON must count them as they are: topic
// totals, a group's committed offsets and lag, the alerts (the garbage one counted as
// unreadable), dead letters per source topic, and top tokens missing with the reason.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <fstream>
#include <thread>

#include "kafka/consumer.hpp"
#include "support/child_process.hpp"
#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

void kcat_produce(const Pipeline& pipeline, const std::string& topic,
                  const std::vector<std::string>& lines, const std::vector<std::string>& extra = {}) {
  const std::string file = pipeline.path("kcat-" + topic + ".txt");
  {
    std::ofstream out(file);
    for (const auto& line : lines) out << line << '\n';
  }
  std::vector<std::string> args = {"kcat", "-P", "-b", pipeline.bootstrap(), "-t", topic,
                                   "-z", "gzip", "-l", file};
  args.insert(args.end(), extra.begin(), extra.end());
  ChildProcess kcat(args, pipeline.path("kcat.log"));
  const auto status = kcat.wait(30s);
  ASSERT_TRUE(status.has_value() && *status == 0) << kcat.output();
}

TEST(DashboardReadsAnyCluster, CountsWhatForeignProducersWrote) {
  Pipeline pipeline(/*with_postgres=*/false);
  ASSERT_TRUE(pipeline.cluster().create_topic("system.alerts", 3).ok());
  std::vector<std::string> transfers;
  for (int i = 0; i < 300; ++i) transfers.push_back("{\"not\":\"decoded by the dashboard\",\"n\":" + std::to_string(i) + "}");
  kcat_produce(pipeline, "stablecoin-transfers", transfers);
  kcat_produce(pipeline, "system.alerts",
               {R"({"alert_id":"a:large","rule":"large","severity":"warning","token":"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48","usd":"1500000.000000","block_number":7})",
                "this is not an alert"});
  kcat_produce(pipeline, "tokenflow.dlq", {"bad one"},
               {"-H", "tokenflow.source.topic=stablecoin-transfers", "-H",
                "tokenflow.reason=value is not an unsigned integer"});
  kcat_produce(pipeline, "tokenflow.dlq", {"no headers at all"});
  // Price ticks by kcat: two sources of one asset, a newer tick, an older one re-sent late
  // (not shown over the newer), a JSON number price, and one message that is not a tick.
  ASSERT_TRUE(pipeline.cluster().create_topic("market.prices", 3).ok());
  kcat_produce(pipeline, "market.prices",
               {R"({"asset":"usd-coin","symbol":"USDC","price_usd":"0.9998","timestamp":1717243200,"source":"coingecko","change_24h_pct":"-0.01"})",
                R"({"asset":"usd-coin","symbol":"USDC","price_usd":"1.000012345678901234","timestamp":1717243260,"source":"coingecko"})",
                R"({"asset":"usd-coin","symbol":"USDC","price_usd":"0.5","timestamp":1717243100,"source":"coingecko"})",
                R"({"asset":"ethereum","price_usd":3012.5,"timestamp":1717243200,"source":"binance"})",
                "not a tick"});

  // A group that read 100 messages of each partition (or all of a smaller one) and committed.
  const auto ends = pipeline.end_offsets("stablecoin-transfers", kPipelinePartitions);
  std::int64_t expected_lag = 0;
  {
    kafka::ConsumerOptions options;
    options.group_id = "watched";
    options.topics = {"stablecoin-transfers"};
    auto consumer = kafka::Consumer::create(pipeline.client_config(), options, nullptr);
    ASSERT_TRUE(consumer.ok()) << consumer.error().message;
    core::Positions positions;
    for (const auto& [partition, end] : ends) {
      const std::int64_t committed = std::min<std::int64_t>(end, 10);
      positions.push_back({"stablecoin-transfers", core::Partition{partition}, core::Offset{committed}});
      expected_lag += end - committed;
    }
    // A member of the group commits (the coordinator refuses commits from non-members).
    const auto until = std::chrono::steady_clock::now() + 20s;
    while ((*consumer)->probe().assigned_partitions.get() == 0 && std::chrono::steady_clock::now() < until) {
      (void)(*consumer)->poll(50ms);
    }
    ASSERT_GT((*consumer)->probe().assigned_partitions.get(), 0);
    ASSERT_TRUE((*consumer)->commit(positions, false).ok());
  }

  auto dashboard = pipeline.start_tokenflow(
      {"dashboard", "--kafka-bootstrap", pipeline.bootstrap(), "--listen", "127.0.0.1:0", "--group",
       "watched=stablecoin-transfers"},
      "dashboard.log");
  ASSERT_TRUE(dashboard->wait_for_output("dashboard: open http://127.0.0.1:", 30s)) << dashboard->output();
  const std::string out = dashboard->output();
  const auto at = out.find("dashboard: open http://127.0.0.1:") + 33;
  const int port = std::stoi(out.substr(at, out.find('/', at) - at));

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string body;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  bool complete = false;
  while (!complete && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    body = http_get(port, "/api/overview").body;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) continue;
    std::uint64_t alerts = 0, unreadable = 0, dead = 0;
    complete = doc["alerts"]["total"].get(alerts) == simdjson::SUCCESS &&
               doc["alerts"]["unreadable"].get(unreadable) == simdjson::SUCCESS &&
               doc["dead_letters"]["total"].get(dead) == simdjson::SUCCESS && alerts == 1 &&
               unreadable == 1 && dead == 2 && doc["groups"].get_array().size() == 1 &&
               doc["prices"]["total"].get(alerts) == simdjson::SUCCESS && alerts == 4;
  }
  ASSERT_TRUE(complete) << body.substr(0, 4000) << "\n" << dashboard->output();

  std::int64_t transfers_total = -1;
  for (auto topic : doc["topics"].get_array()) {
    if (std::string_view(topic["name"]) == "stablecoin-transfers") transfers_total = std::int64_t(topic["messages"]);
  }
  EXPECT_EQ(transfers_total, 300);
  auto group = doc["groups"].at(0);
  EXPECT_EQ(std::string_view(group["name"]), "watched");
  EXPECT_EQ(std::int64_t(group["lag"]), expected_lag);
  EXPECT_EQ(std::string_view(group["error"]), "");
  for (auto p : group["partitions"].get_array()) {
    const auto partition = std::int64_t(p["partition"]);
    EXPECT_EQ(std::int64_t(p["log_end"]), ends.at(static_cast<int>(partition)));
    EXPECT_EQ(std::int64_t(p["committed"]), std::min<std::int64_t>(ends.at(static_cast<int>(partition)), 10));
  }
  EXPECT_EQ(std::string_view(doc["alerts"]["newest"].at(0)["alert_id"]), "a:large");
  EXPECT_EQ(std::uint64_t(doc["dead_letters"]["by_source_topic"]["stablecoin-transfers"]), 1u);
  EXPECT_EQ(std::uint64_t(doc["dead_letters"]["by_source_topic"]["unknown"]), 1u);
  EXPECT_NE(body.find("value is not an unsigned integer"), std::string::npos);
  EXPECT_NE(body.find("start the dashboard with --stats-url"), std::string::npos);
  // Prices: the newest per (asset, source), exactly as published, sorted by asset.
  EXPECT_EQ(std::uint64_t(doc["prices"]["unreadable"]), 1u);
  auto latest = doc["prices"]["latest"].get_array();
  ASSERT_EQ(latest.size(), 2u) << body.substr(0, 4000);
  EXPECT_EQ(std::string_view(latest.at(0)["asset"]), "ethereum");
  EXPECT_EQ(std::string_view(latest.at(0)["price_usd"]), "3012.5");
  EXPECT_TRUE(latest.at(0)["change_24h_pct"].is_null());
  EXPECT_EQ(std::string_view(latest.at(1)["asset"]), "usd-coin");
  EXPECT_EQ(std::string_view(latest.at(1)["source"]), "coingecko");
  EXPECT_EQ(std::string_view(latest.at(1)["price_usd"]), "1.000012345678901234");
  EXPECT_EQ(std::int64_t(latest.at(1)["timestamp_ms"]), 1'717'243'260'000);
  EXPECT_EQ(http_get(port, "/").status, 200u);
  dashboard->signal(SIGINT);
  EXPECT_TRUE(dashboard->wait(10s).has_value());
}

}  // namespace
}  // namespace tokenflow::testing
