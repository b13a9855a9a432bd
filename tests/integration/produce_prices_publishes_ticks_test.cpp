// `tokenflow produce prices` against a local price API speaking CoinGecko's, Binance's and
// Coinbase's real shapes: after N fetch cycles exactly the expected ticks are in
// market.prices (keyed by asset, ids unique, prices textually exact), a price whose source
// timestamp did not move is not published again (also across `--once` runs, through the
// state file), and every fault (429 with Retry-After, 418, 500, timeouts, malformed JSON,
// null prices, a missing asset) is logged, counted and survived with the other assets and
// sources published.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "codec/price_tick_decoder.hpp"
#include "support/kcat.hpp"
#include "support/pipeline_harness.hpp"
#include "support/price_api_server.hpp"
#include "support/prometheus_text.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPricesTopicName = "market.prices";
constexpr int kPricesTopicPartitions = 3;
constexpr std::int64_t kT0 = 1'717'000'000;  // CoinGecko's last_updated_at, unix seconds

// beldex is quoted by CoinGecko only (the map says so), the others by all three.
constexpr const char* kAssetMap =
    R"({"beldex":{"symbol":"BDX","binance":"","coinbase":""}})";

struct Ticks {
  std::vector<core::PriceTick> all;
  std::map<std::string, core::PriceTick> by_id;
  std::map<std::string, int> per_source;
  std::vector<std::string> problems;
};

Ticks read_ticks(const Pipeline& pipeline) {
  Ticks out;
  codec::PriceTickDecoder decoder;
  for (const auto& record : pipeline.read_topic(kPricesTopicName, kPricesTopicPartitions, 60s)) {
    auto tick = decoder.decode(record.payload);
    if (!tick.ok()) {
      out.problems.push_back("not a tick: " + record.payload + ": " + tick.error().message);
      continue;
    }
    if (record.key != tick->asset) out.problems.push_back("key " + record.key + " of " + tick->id);
    if (!out.by_id.emplace(tick->id, *tick).second) out.problems.push_back("duplicate " + tick->id);
    ++out.per_source[tick->source];
    out.all.push_back(*tick);
  }
  return out;
}

std::string coingecko_id(const std::string& asset, std::int64_t seconds) {
  return "coingecko:" + asset + ":" + std::to_string(seconds * 1000);
}

class ProducePrices : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_ = std::make_unique<Pipeline>(false);
    ASSERT_TRUE(pipeline_->cluster().create_topic(kPricesTopicName, kPricesTopicPartitions).ok());
    server_ = std::make_unique<PriceApiServer>(pipeline_->path("price-api.log"));
    write_lines(pipeline_->path("assets.json"), {kAssetMap});
    server_->set_coingecko("usd-coin", "0.999871", kT0, "5826315412.77", "0.0127");
    server_->set_coingecko("tether", "1.0001", kT0);
    server_->set_coingecko("ethereum", "3760.123456789012345678", kT0, "12345678901.5", "-1.25");
    server_->set_coingecko("beldex", "7.4e-7", kT0);
    server_->set_binance("USDCUSDT", "1.00010000");
    server_->set_binance("ETHUSDT", "3760.10000000");
    server_->set_coinbase("USDC", "1.0002");
    server_->set_coinbase("USDT", "1.00005");
    server_->set_coinbase("ETH", "3760.2");
  }

  std::vector<std::string> args(const std::string& sources, std::vector<std::string> extra) {
    std::vector<std::string> more = {"--assets", "usd-coin,tether,ethereum,beldex", "--asset-map",
                                     pipeline_->path("assets.json"), "--max-attempts", "2"};
    more.insert(more.end(), extra.begin(), extra.end());
    return prices_producer_args(*server_, sources, pipeline_->bootstrap(),
                                pipeline_->path("prices-state.json"), more);
  }

  // One `--once` run of all three sources; returns its exit code and appends its log.
  int run_once(const std::string& log) {
    auto child = pipeline_->start_tokenflow(
        args("coingecko,binance,coinbase", {"--once", "--interval", "5"}), log);
    auto code = child->wait(90s);
    logs_ += child->output();
    EXPECT_TRUE(code.has_value()) << tail_of(*child);
    return code.value_or(-1);
  }

  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<PriceApiServer> server_;
  std::string logs_;
};

TEST_F(ProducePrices, OnceRunsPublishExactlyTheExpectedTicksThroughEveryFault) {
  // Run 1: everything answers: 4 CoinGecko, 2 Binance (no USDT pair), 3 Coinbase ticks.
  EXPECT_EQ(run_once("run1.log"), 0) << logs_;
  // Run 2: CoinGecko's timestamps have not moved: nothing of it again; the venues are
  // stamped with the fetch time, so each fetch is a new observation.
  EXPECT_EQ(run_once("run2.log"), 0) << logs_;
  // Run 3: CoinGecko moved everything; tether's price is null, beldex missing; Binance
  // answers 500 once (retried), Coinbase 429 with Retry-After 1 s for USDT (waited, retried).
  for (const char* id : {"usd-coin", "tether", "ethereum", "beldex"}) {
    server_->set_prices(std::string(R"({"coingecko":{")") + id +
                        R"(":{"last_updated_at":)" + std::to_string(kT0 + 60) + "}}}");
  }
  server_->fault("coingecko", "null", 1, "tether");
  server_->fault("coingecko", "missing", 1, "beldex");
  server_->fault("binance", "500", 1);
  server_->fault("coinbase", "429", 1, "USDT", 1);
  // Beldex, quoted by CoinGecko alone, got no price from any source: exit 1 for cron, the
  // others published.
  EXPECT_EQ(run_once("run3.log"), 1) << logs_;
  EXPECT_NE(logs_.find("no source quoted beldex this cycle"), std::string::npos) << logs_;
  // Run 4: CoinGecko moved again but answers garbage twice (both attempts): no tick, exit 1
  // for cron; Binance hangs past the timeout twice; Coinbase bans ETH (418) for 30 s, longer
  // than the interval: ETH is skipped, USDC and USDT (asked first) are published.
  for (const char* id : {"usd-coin", "tether", "ethereum", "beldex"}) {
    server_->set_prices(std::string(R"({"coingecko":{")") + id +
                        R"(":{"last_updated_at":)" + std::to_string(kT0 + 120) + "}}}");
  }
  server_->fault("coingecko", "garbage", 2);
  server_->fault("binance", "hang", 2, "", 1, 3000);
  server_->fault("coinbase", "418", 1, "ETH", 30);
  EXPECT_EQ(run_once("run4.log"), 1) << logs_;
  // Run 5: all well: CoinGecko's kT0+120 prices were never published, so they are now.
  EXPECT_EQ(run_once("run5.log"), 0) << logs_;

  const auto ticks = read_ticks(*pipeline_);
  EXPECT_TRUE(ticks.problems.empty()) << ticks.problems.front();
  EXPECT_EQ(ticks.per_source.at("coingecko"), 4 + 0 + 2 + 0 + 4);
  EXPECT_EQ(ticks.per_source.at("binance"), 2 + 2 + 2 + 0 + 2);
  EXPECT_EQ(ticks.per_source.at("coinbase"), 3 + 3 + 3 + 2 + 3);
  std::set<std::string> coingecko;
  for (const auto& [id, tick] : ticks.by_id) {
    if (tick.source == "coingecko") coingecko.insert(id);
  }
  const std::set<std::string> expected = {
      coingecko_id("usd-coin", kT0),       coingecko_id("tether", kT0),
      coingecko_id("ethereum", kT0),       coingecko_id("beldex", kT0),
      coingecko_id("usd-coin", kT0 + 60),  coingecko_id("ethereum", kT0 + 60),
      coingecko_id("usd-coin", kT0 + 120), coingecko_id("tether", kT0 + 120),
      coingecko_id("ethereum", kT0 + 120), coingecko_id("beldex", kT0 + 120)};
  EXPECT_EQ(coingecko, expected);
  // Exact: the scripted text, an exponent shifted exactly, trailing zeros only dropped.
  const auto& eth = ticks.by_id.at(coingecko_id("ethereum", kT0));
  EXPECT_EQ(eth.price_usd.to_string(), "3760.123456789012345678");
  ASSERT_TRUE(eth.volume_24h_usd.has_value());
  EXPECT_EQ(eth.volume_24h_usd->to_string(), "12345678901.5");
  ASSERT_TRUE(eth.change_24h_pct.has_value());
  EXPECT_EQ(eth.change_24h_pct->to_string(), "-1.25");
  EXPECT_EQ(ticks.by_id.at(coingecko_id("beldex", kT0)).price_usd.to_string(), "0.00000074");
  const auto& usdc = ticks.by_id.at(coingecko_id("usd-coin", kT0));
  EXPECT_EQ(usdc.price_usd.to_string(), "0.999871");
  EXPECT_EQ(usdc.symbol, "USDC");
  ASSERT_TRUE(usdc.contract_address.has_value());
  EXPECT_EQ(usdc.contract_address->to_string(), "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48");
  for (const auto& tick : ticks.all) {
    if (tick.source == "binance" && tick.asset == "usd-coin") {
      EXPECT_EQ(tick.price_usd.to_string(), "1.0001");
    }
    if (tick.source == "coinbase" && tick.asset == "tether") {
      EXPECT_EQ(tick.price_usd.to_string(), "1.00005");
    }
    EXPECT_NE(tick.source == "binance" ? tick.asset : "", "tether") << "tether has no USDT pair";
    EXPECT_NE(tick.source != "coingecko" ? tick.asset : "", "beldex") << "the map says coingecko only";
  }
  // Every fault named in the logs, with its source, asset or status.
  for (const char* needle :
       {"coingecko tether", "null_price", "coingecko beldex", "missing_asset", "HTTP 500",
        "HTTP 429", "Retry-After 1 s", "not the expected JSON", "timed_out", "HTTP 418",
        "pausing it for", "gave up on"}) {
    EXPECT_NE(logs_.find(needle), std::string::npos) << needle << "\n" << logs_;
  }
  const auto stats = server_->stats();
  EXPECT_EQ(stats.requests.at("coingecko"), 1 + 1 + 1 + 2 + 1);
  EXPECT_EQ(stats.requests.at("binance"), 1 + 1 + 2 + 2 + 1);
}

TEST_F(ProducePrices, ALongRunningPollerCountsEveryFaultOnMetricsAndNeverRepublishes) {
  server_->fault("coingecko", "429", 1, "", 1);
  server_->fault("binance", "garbage", 1);
  server_->fault("coingecko", "null", 1, "tether");
  auto poller = pipeline_->start_tokenflow(
      args("coingecko,binance", {"--interval", "0.5", "--metrics-port", "0"}), "poller.log",
      {{"COINGECKO_API_KEY", "CG-test-key"}});
  const std::string announced = "prices: metrics at http://0.0.0.0:";
  ASSERT_TRUE(poller->wait_for_output(announced, 60s)) << tail_of(*poller);
  const auto log = poller->output();
  const int port = std::stoi(log.substr(log.find(announced) + announced.size()));
  auto sample = [&](const std::string& body, const std::string& name, const std::string& labels) {
    auto samples = prometheus_samples(body, name);
    auto it = samples.find(labels);
    return it == samples.end() ? -1.0 : it->second;
  };
  HttpAnswer metrics;
  // Every CoinGecko price published once (tether after its null), then only unchanged.
  ASSERT_TRUE(wait_until(
      [&] {
        metrics = http_get(port, "/metrics");
        return sample(metrics.body, "tokenflow_price_ticks_published_total", "source=\"coingecko\"") == 4 &&
               sample(metrics.body, "tokenflow_price_ticks_unchanged_total", "source=\"coingecko\"") >= 8 &&
               sample(metrics.body, "tokenflow_price_ticks_published_total", "source=\"binance\"") >= 4;
      },
      60s))
      << metrics.body << tail_of(*poller);
  EXPECT_GE(sample(metrics.body, "tokenflow_price_fetch_errors_total",
                   "source=\"coingecko\",reason=\"rate_limited\""), 1) << metrics.body;
  EXPECT_GE(sample(metrics.body, "tokenflow_price_fetch_errors_total",
                   "source=\"coingecko\",reason=\"null_price\""), 1) << metrics.body;
  EXPECT_GE(sample(metrics.body, "tokenflow_price_fetch_errors_total",
                   "source=\"binance\",reason=\"malformed_response\""), 1) << metrics.body;
  EXPECT_GE(sample(metrics.body, "tokenflow_price_fetches_total",
                   "source=\"coingecko\",outcome=\"rate_limited\""), 1) << metrics.body;
  EXPECT_GE(sample(metrics.body, "tokenflow_price_assets_missing_total", "source=\"coingecko\""), 1);
  EXPECT_GT(sample(metrics.body, "tokenflow_price_last_success_timestamp_seconds",
                   "source=\"binance\""), 1.7e9);
  // A new CoinGecko timestamp for one asset: exactly one more tick.
  server_->set_prices(R"({"coingecko":{"usd-coin":{"usd":0.9999,"last_updated_at":)" +
                      std::to_string(kT0 + 60) + "}}}");
  ASSERT_TRUE(wait_until(
      [&] {
        metrics = http_get(port, "/metrics");
        return sample(metrics.body, "tokenflow_price_ticks_published_total", "source=\"coingecko\"") == 5;
      },
      30s))
      << metrics.body;
  poller->signal(SIGTERM);
  EXPECT_EQ(poller->wait(30s), 0) << tail_of(*poller);
  const auto ticks = read_ticks(*pipeline_);
  EXPECT_TRUE(ticks.problems.empty()) << ticks.problems.front();
  EXPECT_EQ(ticks.per_source.at("coingecko"), 5);
  EXPECT_EQ(ticks.by_id.at(coingecko_id("usd-coin", kT0 + 60)).price_usd.to_string(), "0.9999");
  const auto stats = server_->stats();
  ASSERT_FALSE(stats.api_keys.empty());
  EXPECT_EQ(stats.api_keys.front(), "CG-test-key");
}

TEST_F(ProducePrices, TicksReadBackByAForeignConsumerAreTheSameMessages) {
  // kcat, not tokenflow's consumer, reads what one --once run published.
  KcatReader reader(pipeline_->bootstrap(), kPricesTopicName, pipeline_->path("kcat"));
  EXPECT_EQ(run_once("run.log"), 0) << logs_;
  std::vector<TopicRecord> records;
  ASSERT_TRUE(wait_until(
      [&] {
        records = read_topic(pipeline_->client_config(), kPricesTopicName, kPricesTopicPartitions, 30s);
        return records.size() == 9;
      },
      30s));
  std::this_thread::sleep_for(2s);
  auto read = reader.stop();
  std::set<std::string> by_kcat;
  std::set<std::string> by_tokenflow;
  for (const auto& r : read) by_kcat.insert(r.key + " " + r.payload);
  for (const auto& r : records) by_tokenflow.insert(r.key + " " + r.payload);
  EXPECT_EQ(by_kcat, by_tokenflow) << reader.log();
}

}  // namespace
}  // namespace tokenflow::testing
