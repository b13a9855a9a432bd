// `tokenflow alerts` end to end on the embedded cluster: the exact USD boundaries of a 6- and
// an 18-decimal token at both thresholds, mint, burn, watch list, an unknown token, a price
// tick moving a token over the threshold, malformed messages to the dead-letter topic, and
// no second alert id on system.alerts when events are read again after a SIGKILL before
// any commit.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <set>
#include <thread>

#include "codec/transfer_encoder.hpp"
#include "kafka/producer.hpp"
#include "support/alerts_topic.hpp"
#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPricesTopic = "market.prices";
constexpr const char* kUsdc = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";  // 6 decimals, $1
constexpr const char* kDai = "0x6b175474e89094c44da98b954eedeac495271d0f";   // 18 decimals, $1
constexpr const char* kWeth = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";  // no peg
constexpr const char* kZero = "0x0000000000000000000000000000000000000000";
constexpr const char* kWatched = "0x00000000000000000000000000000000000000aa";

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [topic, partitions] : {std::pair{kAlertsTopic, 3}, std::pair{kPricesTopic, 1}}) {
      ASSERT_TRUE(pipeline_.cluster().create_topic(topic, partitions).ok());
    }
  }

  void produce(const std::string& topic, const std::vector<std::pair<std::string, std::string>>& messages) {
    auto producer = kafka::Producer::create(pipeline_.client_config());
    ASSERT_TRUE(producer.ok()) << producer.error().message;
    for (const auto& [key, payload] : messages) {
      ASSERT_TRUE((*producer)->produce(topic, key, payload).ok());
    }
    ASSERT_TRUE((*producer)->flush(30s).ok());
  }

  std::pair<std::string, std::string> transfer(const std::string& id, const char* token,
                                                const char* value, const char* from,
                                                const char* to) {
    core::Transfer t;
    t.id.value = id;
    t.block_number = 20'000'000 + sequence_++;
    t.timestamp.value = 1'717'243'200'000;
    t.contract_address = *core::Address::parse(token);
    t.from_address = *core::Address::parse(from);
    t.to_address = *core::Address::parse(to);
    t.value = *core::Uint256::from_decimal(value);
    t.tx_hash = "0x" + id;
    return {token, codec::encode_transfer(t)};
  }

  std::unique_ptr<ChildProcess> start_alerts(std::vector<std::string> extra, const std::string& log) {
    std::vector<std::string> args = {"alerts", "--kafka-bootstrap", pipeline_.bootstrap(),
                                     "--stats-interval", "0", "--no-color"};
    args.insert(args.end(), extra.begin(), extra.end());
    return pipeline_.start_tokenflow(args, log);
  }

  // alert_id -> rule of every message on system.alerts; fails on a duplicate id.
  std::map<std::string, std::string> published_alerts() {
    std::map<std::string, std::string> rules;
    for (const auto& [id, text] : alerts_on(pipeline_.read_topic(kAlertsTopic, 3, 30s))) {
      rules[id] = text.substr(5, text.find(" event ") - 5);  // "rule <rule> event ..."
    }
    return rules;
  }

  Pipeline pipeline_{false};
  std::uint64_t sequence_ = 0;
};

TEST_F(AlertsTest, RulesFireAtExactBoundariesAndBadInputIsDeadLettered) {
  // A price tick moves WETH (no peg) to 3,000 USD before the transfers.
  produce(kPricesTopic,
          {{"WETH", R"({"asset":"WETH","price_usd":"3000","timestamp":1717243100,"source":"test"})"},
           {"USDC", R"({"asset":"USDC","price_usd":"not a price","timestamp":1})"}});
  const auto user = "0x1111111111111111111111111111111111111111";
  const auto other = "0x2222222222222222222222222222222222222222";
  std::vector<std::pair<std::string, std::string>> messages = {
      transfer("usdc-under-large", kUsdc, "999999999999", user, other),
      transfer("usdc-at-large", kUsdc, "1000000000000", user, other),
      transfer("usdc-under-critical", kUsdc, "9999999999999", user, other),
      transfer("usdc-at-critical", kUsdc, "10000000000000", user, other),
      transfer("dai-under-large", kDai, "999999999999999999999999", user, other),
      transfer("dai-at-large", kDai, "1000000000000000000000000", user, other),
      transfer("dai-under-critical", kDai, "9999999999999999999999999", user, other),
      transfer("dai-at-critical", kDai, "10000000000000000000000000", user, other),
      transfer("weth-priced-large", kWeth, "333333333333333333334", user, other),
      transfer("weth-priced-under", kWeth, "333333333333333333333", user, other),
      transfer("small-mint", kUsdc, "1", kZero, user),
      transfer("small-burn", kDai, "1", user, kZero),
      transfer("to-watched", kUsdc, "5", user, kWatched),
      transfer("unknown-token", "0x9999999999999999999999999999999999999999",
               "200000000000000000000000000", user, other),  // 200,000,000 units at 18 decimals
      transfer("unknown-token-small", "0x9999999999999999999999999999999999999999", "5", user,
               other),
  };
  messages.emplace_back("", "this is not json");
  messages.emplace_back("", R"({"id":"x","value":"-5"})");
  produce(kPipelineTopic, messages);

  auto alerts = start_alerts({"--prices", "--watch", kWatched, "--min-tokens", "100,000,000",
                              "--alert-unknown-tokens", "--max-records", std::to_string(messages.size() + 2)},
                             "alerts.log");
  ASSERT_EQ(alerts->wait(60s), 0) << tail_of(*alerts);

  const std::map<std::string, std::string> expected = {
      {"usdc-at-large:large", "large"},       {"usdc-under-critical:large", "large"},
      {"usdc-at-critical:critical", "critical"}, {"dai-at-large:large", "large"},
      {"dai-under-critical:large", "large"},  {"dai-at-critical:critical", "critical"},
      {"weth-priced-large:large", "large"},   {"small-mint:mint", "mint"},
      {"small-burn:burn", "burn"},            {"to-watched:watch", "watch"},
      {"unknown-token:large", "large"},
  };
  EXPECT_EQ(published_alerts(), expected) << tail_of(*alerts);

  // The console shows them for people.
  const auto output = alerts->output();
  EXPECT_NE(output.find("[critical] CRITICAL TRANSFER  10,000,000.00 USDC ($10,000,000.00)"),
            std::string::npos)
      << tail_of(*alerts);
  EXPECT_EQ(output.find('\x1b'), std::string::npos) << "no colour when not on a terminal";

  // Two bad transfers and one bad price tick went to the dead-letter topic with a reason.
  const auto dead = pipeline_.read_topic(kPipelineDeadLetterTopic, 3, 30s);
  ASSERT_EQ(dead.size(), 3u);
  std::set<std::string> sources;
  for (const auto& record : dead) {
    EXPECT_FALSE(record.headers.at("tokenflow.reason").empty());
    sources.insert(record.headers.at("tokenflow.source.topic"));
  }
  EXPECT_EQ(sources, (std::set<std::string>{kPipelineTopic, kPricesTopic}));
}

TEST_F(AlertsTest, EventsReadAgainAfterASigkillBeforeAnyCommitAlertOnlyOnce) {
  // make_transfers: every 50th transfer is a mint and the next a burn, of unknown tokens.
  const auto transfers = make_transfers(6000, 11);
  std::set<std::string> expected;
  for (const auto& t : transfers) {
    if (t.is_mint()) expected.insert(t.id.value + ":mint");
    if (t.is_burn()) expected.insert(t.id.value + ":burn");
  }
  produce(kPipelineTopic, keyed_messages(transfers));
  ASSERT_GE(expected.size(), 200u);

  // Commits far apart: the monitor is killed with alerts published and nothing committed.
  {
    auto first = start_alerts({"--no-console", "--commit-interval-ms", "600000", "--metrics-port",
                               "0", "--metrics-address", "127.0.0.1"},
                              "first.log");
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::size_t seen = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = 0;
      for (auto [p, end] : pipeline_.end_offsets(kAlertsTopic, 3)) seen += static_cast<std::size_t>(end);
      if (seen >= expected.size() / 2) break;
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_GE(seen, expected.size() / 2) << tail_of(*first);
    // Meanwhile /metrics serves the running figures, the latency histogram among them.
    const auto log = first->output();
    const std::string listening = "listening on http://127.0.0.1:";
    const auto at = log.find(listening);
    ASSERT_NE(at, std::string::npos) << tail_of(*first);
    const int port = std::stoi(log.substr(at + listening.size()));
    // The per-token figures are published once a second: wait for the first publication.
    auto metrics = http_get(port, "/metrics");
    const auto metrics_deadline = std::chrono::steady_clock::now() + 15s;
    while (metrics.body.find("tokenflow_alerts_fired_total{") == std::string::npos &&
           std::chrono::steady_clock::now() < metrics_deadline) {
      std::this_thread::sleep_for(100ms);
      metrics = http_get(port, "/metrics");
    }
    EXPECT_EQ(metrics.status, 200u);
    EXPECT_NE(metrics.body.find("tokenflow_alerts_fired_total{rule=\"mint\",token=\"unknown\"}"),
              std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("tokenflow_alerts_latency_seconds_bucket{le=\"0.01\"}"),
              std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("tokenflow_alerts_transfers_total{token=\"unknown\"}"),
              std::string::npos);
    EXPECT_EQ(http_get(port, "/readyz").status, 200u);
    EXPECT_EQ(http_get(port, "/nowhere").status, 404u);
    first->signal(SIGKILL);
    first->wait(10s);
  }
  // Nothing was committed: the second run reads all 6000 again and alerts only what is new.
  auto second = start_alerts({"--no-console", "--max-records", "6000"}, "second.log");
  ASSERT_EQ(second->wait(90s), 0) << tail_of(*second);
  const auto published = published_alerts();
  std::set<std::string> ids;
  for (const auto& [id, rule] : published) ids.insert(id);
  EXPECT_EQ(ids, expected);
  EXPECT_NE(second->output().find("redelivered"), std::string::npos);
}

}  // namespace
}  // namespace tokenflow::testing
