// Proves that `tokenflow alerts` judges what any producer publishes, not only tokenflow's
// own: transfers published by kcat (librdkafka's default partitioner, consistent_random, and
// snappy-compressed batches) give exactly the alerts their values call for on system.alerts,
// each once, with the transfer's id, token, value and addresses: large and critical
// transfers of a registry token at its thresholds, mints and burns of any token at any size,
// and nothing for the rest.
#include <gtest/gtest.h>

#include "support/alerts_topic.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUsdcToken = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";  // 6 decimals, $1

TEST(AlertsAcceptAnyProducer, TransfersFromKcatGiveExactlyTheAlertsTheirValuesCallFor) {
  Pipeline pipeline(false);
  ASSERT_TRUE(pipeline.cluster().create_topic(kAlertsTopic, 3).ok());
  // make_transfers: every 50th transfer is a mint and the next a burn, of unknown tokens;
  // the rest are under any threshold an unknown token has (none, by default).
  auto transfers = make_transfers(3'000, 81);
  // And USDC transfers around its thresholds (1,000,000 and 10,000,000 USD by default).
  const auto usdc = *core::Address::parse(kUsdcToken);
  std::size_t base = 10;  // copies of transfers neither minted nor burnt
  for (const char* value :
       {"999999999999", "1000000000000", "9999999999999", "10000000000000", "123456"}) {
    core::Transfer t = transfers[base++];
    t.id.value = std::string("0xusdc_") + value;
    t.contract_address = usdc;
    t.value = *core::Uint256::from_decimal(value);
    transfers.push_back(t);
  }
  std::map<std::string, std::string> expected;
  for (const auto& t : transfers) {
    auto expect = [&](const std::string& rule) {
      expected[t.id.value + ":" + rule] = alert_text(rule, t);
    };
    if (t.is_mint()) expect("mint");
    if (t.is_burn()) expect("burn");
    if (t.contract_address != usdc) continue;
    if (t.value >= *core::Uint256::from_decimal("10000000000000")) {
      expect("critical");
    } else if (t.value >= *core::Uint256::from_decimal("1000000000000")) {
      expect("large");
    }
  }
  ASSERT_GE(expected.size(), 120u);

  pipeline.produce_with_kcat(keyed_messages(transfers), kPipelineTopic, "snappy");

  auto alerts = pipeline.start_tokenflow(
      {"alerts", "--kafka-bootstrap", pipeline.bootstrap(), "--stats-interval", "0", "--no-console",
       "--max-records", std::to_string(transfers.size())},
      "alerts.log");
  ASSERT_EQ(alerts->wait(90s), 0) << tail_of(*alerts);
  EXPECT_EQ(
      describe_difference(expected, alerts_on(pipeline.read_topic(kAlertsTopic, 3, 30s)), "alerts"),
      "")
      << tail_of(*alerts);
  EXPECT_TRUE(pipeline.read_topic(kPipelineDeadLetterTopic, 3, 30s).empty())
      << "kcat's messages are transfers like any other";
}

}  // namespace
}  // namespace tokenflow::testing
