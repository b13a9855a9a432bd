// The price pipeline end to end, every piece real: `tokenflow produce prices` polling a local
// price API (CoinGecko's, Binance's and Coinbase's shapes) every second through 429s with
// Retry-After, 500s, a hang past --timeout, malformed JSON, null prices and missing assets,
// while `tokenflow sink redis` and `tokenflow sink postgres --events prices` consume
// market.prices at the same time. Once the poller is stopped (SIGINT) and the sinks have
// drained: Kafka holds exactly the ticks of the prices the API served (CoinGecko once per
// distinct timestamp, the venues once per answer, in order, textually exact, ids unique),
// Redis the newest of them per asset and source and per asset, raw.price_history each of
// them once, exact; every fault is in the poller's log and /metrics; nothing was
// dead-lettered.
//
// Which cycle a fault falls on depends on timing; what is expected does not: the API
// records every price it served (PriceApiServer's record_served), and the ticks must be
// exactly those.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "codec/price_tick_decoder.hpp"
#include "support/pipeline_harness.hpp"
#include "support/price_api_server.hpp"
#include "support/prometheus_text.hpp"
#include "support/redis_sink_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFlowTopic = "market.prices";
constexpr int kFlowPartitions = 3;
constexpr const char* kFlowRedisGroup = "tokenflow-sink-redis";
constexpr int kFlowSteps = 6;  // scripted states of the API; each lasts at least one cycle

// beldex is quoted by CoinGecko only (the map says so), the others by all three venues.
constexpr const char* kFlowAssetMap =
    R"({"beldex":{"symbol":"BDX","binance":"","coinbase":""}})";
const std::vector<std::string> kFlowAssets = {"usd-coin", "tether", "ethereum", "beldex"};
// The venues' names of the assets -> the CoinGecko id a tick carries (no USDTUSDT pair).
const std::map<std::string, std::string> kFlowBinancePairs = {{"USDCUSDT", "usd-coin"},
                                                              {"ETHUSDT", "ethereum"}};
const std::map<std::string, std::string> kFlowCoinbaseBases = {
    {"USDC", "usd-coin"}, {"USDT", "tether"}, {"ETH", "ethereum"}};

// A price as the ticks carry it: the API's text, exact, in its shortest form.
std::string flow_decimal_text(const std::string& text) {
  auto parsed = core::Decimal::parse_json_number(text);
  return parsed.ok() ? parsed->to_string() : "unparsable " + text;
}

// What the ticks must be, from what the API served: CoinGecko's (asset|unix s) -> the first
// non-null price served with that timestamp; the venues' (source|asset) -> their non-null
// prices in the order served (one tick per answer, stamped with the fetch time).
struct FlowExpected {
  std::map<std::string, std::string> coingecko;
  std::map<std::string, std::vector<std::string>> venues;
};

FlowExpected flow_expected(const PriceApiStats& stats) {
  FlowExpected out;
  for (const auto& served : stats.served) {
    if (!served.price) continue;
    const std::string price = flow_decimal_text(*served.price);
    if (served.route == "coingecko") {
      out.coingecko.emplace(served.asset + "|" + std::to_string(served.last_updated_at), price);
      continue;
    }
    const auto& names = served.route == "binance" ? kFlowBinancePairs : kFlowCoinbaseBases;
    auto asset = names.find(served.asset);
    if (asset != names.end()) out.venues[served.route + "|" + asset->second].push_back(price);
  }
  return out;
}

// The same, of the ticks read from Kafka, plus what may never be there at all.
struct FlowTicks {
  std::vector<core::PriceTick> all;
  std::map<std::string, std::string> coingecko;
  std::map<std::string, std::vector<std::string>> venues;
  std::map<std::string, std::int64_t> per_source;
  std::vector<std::string> problems;
};

FlowTicks flow_ticks(const std::vector<TopicRecord>& records) {
  FlowTicks out;
  codec::PriceTickDecoder decoder;
  std::set<std::string> ids;
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> venue_ticks;
  for (const auto& record : records) {
    auto tick = decoder.decode(record.payload);
    if (!tick.ok()) {
      out.problems.push_back("not a tick: " + record.payload + ": " + tick.error().message);
      continue;
    }
    if (record.key != tick->asset) out.problems.push_back("key " + record.key + " of " + tick->id);
    if (!ids.insert(tick->id).second) out.problems.push_back("duplicate " + tick->id);
    if (tick->id != core::price_tick_id(tick->source, tick->asset, tick->timestamp)) {
      out.problems.push_back("id " + tick->id + " does not say its source, asset and time");
    }
    ++out.per_source[tick->source];
    const std::string price = tick->price_usd.to_string();
    if (tick->source == "coingecko") {
      out.coingecko[tick->asset + "|" + std::to_string(tick->timestamp.value / 1000)] = price;
    } else {
      venue_ticks[tick->source + "|" + tick->asset].emplace_back(tick->timestamp.value, price);
    }
    out.all.push_back(*std::move(tick));
  }
  for (auto& [key, ticks] : venue_ticks) {
    std::sort(ticks.begin(), ticks.end());
    for (const auto& tick : ticks) out.venues[key].push_back(tick.second);
  }
  return out;
}

// (asset|source|unix ms) -> "price|volume|change" of the ticks, and of raw.price_history
// (NUMERIC keeps the scale it was given; trim_scale drops the trailing zeros Decimal does).
std::string flow_optional_text(const std::optional<core::Decimal>& value) {
  return value ? value->to_string() : "NULL";
}

std::map<std::string, std::string> flow_history_of(const std::vector<core::PriceTick>& ticks) {
  std::map<std::string, std::string> out;
  for (const auto& t : ticks) {
    out[t.asset + "|" + t.source + "|" + std::to_string(t.timestamp.value)] =
        t.price_usd.to_string() + "|" + flow_optional_text(t.volume_24h_usd) + "|" +
        (t.change_24h_pct ? t.change_24h_pct->to_string() : "NULL");
  }
  return out;
}

std::map<std::string, std::string> flow_stored_history(const PostgresServer& server) {
  std::map<std::string, std::string> out;
  for (const auto& row : server.query(
           "SELECT asset, source, (extract(epoch FROM \"timestamp\") * 1000)::bigint,"
           " trim_scale(price_usd)::text, coalesce(trim_scale(volume_24h_usd)::text, 'NULL'),"
           " coalesce(trim_scale(change_24h_pct)::text, 'NULL') FROM raw.price_history")) {
    out[row[0] + "|" + row[1] + "|" + row[2]] = row[3] + "|" + row[4] + "|" + row[5];
  }
  return out;
}

std::int64_t flow_history_positions(const PostgresServer& server) {
  try {
    const auto rows = server.query(
        "SELECT coalesce(sum(next_offset), 0) FROM raw.tokenflow_offsets"
        " WHERE target_table = 'raw.price_history'");
    return rows.empty() ? 0 : std::stoll(rows[0][0]);
  } catch (const std::runtime_error&) {
    return 0;  // the sink has not created its tables yet
  }
}

std::int64_t flow_redis_positions(const RedisServer& server) {
  return stored_position_sum(server, kFlowRedisGroup);
}

double flow_sample(const std::string& body, const std::string& name, const std::string& labels) {
  auto samples = prometheus_samples(body, name);
  auto it = samples.find(labels);
  return it == samples.end() ? -1.0 : it->second;
}

std::int64_t flow_fault_total(const PriceApiStats& stats) {
  std::int64_t total = 0;
  for (const auto& [route, count] : stats.faults) total += count;
  return total;
}

class PricesFlowIntoRedisAndHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_ = std::make_unique<Pipeline>();
    ASSERT_TRUE(pipeline_->cluster().create_topic(kFlowTopic, kFlowPartitions).ok());
    server_ = std::make_unique<PriceApiServer>(pipeline_->path("price-api.log"), 5, true);
    redis_ = std::make_unique<RedisServer>();
    write_lines(pipeline_->path("assets.json"), {kFlowAssetMap});
  }

  // State `step` of the API: CoinGecko moved every asset to a new timestamp (a minute per
  // step, in the recent past) and price; the venues have new prices, printed as they do
  // (Binance with 8 decimals, trailing zeros and all).
  void script_step(int step) {
    const std::string k = std::to_string(step);
    const std::int64_t seconds = coingecko_t0_ + 60 * step;
    server_->set_coingecko("usd-coin", "0.99987" + k, seconds, "5826315412.7" + k, "0.012" + k);
    server_->set_coingecko("tether", "1.000" + k, seconds);
    server_->set_coingecko("ethereum", "3760.12345678901234567" + k, seconds, "12345678901.5",
                           "-1.2" + k);
    server_->set_coingecko("beldex", "7.4" + k + "e-7", seconds);
    server_->set_binance("USDCUSDT", "1.000" + k + "0000");
    server_->set_binance("ETHUSDT", "3760.1" + k + "000000");
    server_->set_coinbase("USDC", "1.000" + k + "2");
    server_->set_coinbase("USDT", "1.0000" + k);
    server_->set_coinbase("ETH", "3760.2" + k);
  }

  // The faults of `step` (each for the next request of its route it applies to); returns
  // how many were injected.
  int inject_faults(int step) {
    switch (step) {
      case 1:
        server_->fault("coingecko", "429", 1, "", 1);
        server_->fault("binance", "500");
        server_->fault("coinbase", "null", 1, "USDT");
        return 3;
      case 2:
        server_->fault("coingecko", "garbage");
        server_->fault("binance", "hang", 1, "", 1, 2500);  // past --timeout 1
        server_->fault("coinbase", "missing", 1, "ETH");
        return 3;
      case 3:
        server_->fault("coingecko", "null", 1, "tether");
        server_->fault("coingecko", "missing", 1, "beldex");
        server_->fault("binance", "null", 1, "ETHUSDT");
        server_->fault("coinbase", "500", 1, "USDC");
        return 4;
      case 4:
        server_->fault("binance", "missing", 1, "USDCUSDT");
        server_->fault("coinbase", "429", 1, "USDT", 1);
        return 2;
      default:
        return 0;
    }
  }

  // Until every fault injected so far was applied and then every route was asked again (at
  // least a cycle after the last fault), so each step's faults and prices are seen.
  void wait_for_the_step(std::int64_t faults_injected, ChildProcess& poller) {
    PriceApiStats stats;
    ASSERT_TRUE(wait_until(
        [&] {
          stats = server_->stats();
          return flow_fault_total(stats) >= faults_injected || !poller.running();
        },
        60s, 50ms))
        << "faults applied " << flow_fault_total(stats) << " of " << faults_injected << "\n"
        << tail_of(poller);
    const auto before = stats.requests;
    ASSERT_TRUE(wait_until(
        [&] {
          stats = server_->stats();
          return (stats.requests["coingecko"] > before.at("coingecko") &&
                  stats.requests["binance"] > before.at("binance") &&
                  stats.requests["coinbase"] >= before.at("coinbase") + 3) ||
                 !poller.running();
        },
        60s, 50ms))
        << tail_of(poller);
    ASSERT_TRUE(poller.running()) << tail_of(poller);
  }

  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<PriceApiServer> server_;
  std::unique_ptr<RedisServer> redis_;
  // Five minutes ago: CoinGecko's timestamps stay in the past, the venues' fetch times newer.
  std::int64_t coingecko_t0_ = static_cast<std::int64_t>(std::time(nullptr)) - 300;
};

TEST_F(PricesFlowIntoRedisAndHistory, EveryServedPriceOnceInKafkaRedisAndHistoryThroughFaults) {
  script_step(0);
  auto redis_sink = start_redis_sink(*pipeline_, *redis_, {}, "sink-redis.log");
  auto history_sink = pipeline_->start_sink({"--events", "prices"}, "sink-postgres.log");
  auto poller = pipeline_->start_tokenflow(
      prices_producer_args(*server_, "coingecko,binance,coinbase", pipeline_->bootstrap(),
                           pipeline_->path("prices-state.json"),
                           {"--assets", "usd-coin,tether,ethereum,beldex", "--asset-map",
                            pipeline_->path("assets.json"), "--max-attempts", "3", "--interval",
                            "1", "--metrics-port", "0"}),
      "poller.log");
  const std::string announced = "prices: metrics at http://0.0.0.0:";
  ASSERT_TRUE(poller->wait_for_output(announced, 60s)) << tail_of(*poller);
  const auto started = poller->output();
  const int metrics_port = std::stoi(started.substr(started.find(announced) + announced.size()));

  std::int64_t faults_injected = 0;
  for (int step = 0; step < kFlowSteps; ++step) {
    if (step > 0) script_step(step);
    faults_injected += inject_faults(step);
    wait_for_the_step(faults_injected, *poller);
    if (HasFatalFailure()) return;
  }
  // The counters once the last step was seen (the port closes with the poller).
  HttpAnswer metrics;
  ASSERT_TRUE(wait_until([&] { return (metrics = http_get(metrics_port, "/metrics")).status == 200; },
                         30s))
      << tail_of(*poller);
  poller->signal(SIGINT);
  ASSERT_EQ(poller->wait(60s), 0) << tail_of(*poller);
  const std::string poller_log = poller->output();

  // Kafka: exactly the ticks of what was served.
  const auto records = pipeline_->read_topic(kFlowTopic, kFlowPartitions, 60s);
  const auto ticks = flow_ticks(records);
  const auto expected = flow_expected(server_->stats());
  EXPECT_TRUE(ticks.problems.empty()) << ticks.problems.front();
  EXPECT_EQ(describe_difference(expected.coingecko, ticks.coingecko, "CoinGecko (asset, time)s"), "");
  EXPECT_EQ(expected.venues, ticks.venues);
  // Every CoinGecko asset once per step: each step lasts a cycle past its faults, so the
  // null and the missing one (step 3) came back a cycle late with the same timestamp.
  EXPECT_EQ(ticks.coingecko.size(), kFlowAssets.size() * kFlowSteps);
  EXPECT_EQ(ticks.coingecko.at("beldex|" + std::to_string(coingecko_t0_ + 60 * (kFlowSteps - 1))),
            "0.000000745");
  EXPECT_EQ(ticks.coingecko.at("ethereum|" + std::to_string(coingecko_t0_)),
            "3760.12345678901234567");  // trailing zero dropped
  for (const auto& [key, prices] : ticks.venues) {
    EXPECT_GE(prices.size(), static_cast<std::size_t>(kFlowSteps - 1)) << key;
  }
  for (const auto& tick : ticks.all) {
    EXPECT_NE(tick.source != "coingecko" ? tick.asset : "", "beldex") << "the map says coingecko only";
    EXPECT_NE(tick.source == "binance" ? tick.asset : "", "tether") << "tether has no USDT pair";
  }

  // The sinks drain what Kafka holds, then stop cleanly.
  const auto in_topic = sum_of(pipeline_->end_offsets(kFlowTopic, kFlowPartitions));
  EXPECT_EQ(in_topic, static_cast<std::int64_t>(records.size()));
  EXPECT_TRUE(wait_until([&] { return flow_redis_positions(*redis_) == in_topic; }, 90s, 100ms))
      << flow_redis_positions(*redis_) << " of " << in_topic << "\n" << tail_of(*redis_sink);
  EXPECT_TRUE(wait_until(
      [&] { return flow_history_positions(pipeline_->postgres()) == in_topic; }, 90s, 100ms))
      << flow_history_positions(pipeline_->postgres()) << " of " << in_topic << "\n"
      << tail_of(*history_sink);
  redis_sink->signal(SIGTERM);
  history_sink->signal(SIGTERM);
  EXPECT_EQ(redis_sink->wait(60s), 0) << tail_of(*redis_sink);
  EXPECT_EQ(history_sink->wait(60s), 0) << tail_of(*history_sink);

  // Redis: the newest tick per asset and source, and per asset over the sources.
  EXPECT_EQ(describe_difference(expected_cache(ticks.all), stored_cache(*redis_), "cache keys"), "");
  auto beldex = redis_->hgetall("tokenflow:price:beldex");
  EXPECT_EQ(beldex["source"], "coingecko");
  EXPECT_EQ(beldex["price"], "0.000000745");
  EXPECT_EQ(beldex["timestamp"], std::to_string((coingecko_t0_ + 60 * (kFlowSteps - 1)) * 1000));
  EXPECT_NE(redis_->hgetall("tokenflow:price:ethereum")["source"], "coingecko")
      << "the venues' fetch times are newer than CoinGecko's timestamps";
  const auto redis_summary = sink_summary(redis_sink->output());
  EXPECT_EQ(redis_summary.consumed, in_topic) << tail_of(*redis_sink);
  EXPECT_EQ(redis_summary.dead_letters, 0);
  EXPECT_EQ(redis_summary.read_again, 0);

  // The history: every tick once, exact.
  const auto counts = pipeline_->postgres().query(
      "SELECT count(*), count(DISTINCT (asset, source, \"timestamp\")) FROM raw.price_history");
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0][0], std::to_string(records.size()));
  EXPECT_EQ(counts[0][1], std::to_string(records.size()));
  EXPECT_EQ(describe_difference(flow_history_of(ticks.all), flow_stored_history(pipeline_->postgres()),
                                "price ticks"),
            "");
  EXPECT_EQ(describe_reading(history_sink->output(), in_topic), "") << tail_of(*history_sink);
  EXPECT_TRUE(pipeline_->read_topic(kPipelineDeadLetterTopic, 3, 60s).empty());

  // Every fault counted on /metrics and logged naming its source, asset or status; the
  // published counts are Kafka's (the scrape may be a cycle before the stop: at most).
  EXPECT_NE(poller_log.find(std::to_string(records.size()) + " ticks published"), std::string::npos)
      << tail_of(*poller);
  for (const auto& [source, count] : ticks.per_source) {
    const double published = flow_sample(metrics.body, "tokenflow_price_ticks_published_total",
                                         "source=\"" + source + "\"");
    EXPECT_LE(published, static_cast<double>(count)) << source;
    EXPECT_GE(published, static_cast<double>(count - 4)) << source;
  }
  for (const auto& [source, reason] : std::vector<std::pair<std::string, std::string>>{
           {"coingecko", "rate_limited"}, {"coingecko", "malformed_response"},
           {"coingecko", "null_price"}, {"coingecko", "missing_asset"},
           {"binance", "http_status"}, {"binance", "timed_out"}, {"binance", "null_price"},
           {"binance", "missing_asset"}, {"coinbase", "null_price"},
           {"coinbase", "missing_asset"}, {"coinbase", "http_status"},
           {"coinbase", "rate_limited"}}) {
    EXPECT_GE(flow_sample(metrics.body, "tokenflow_price_fetch_errors_total",
                          "source=\"" + source + "\",reason=\"" + reason + "\""),
              1)
        << source << " " << reason << "\n" << metrics.body;
  }
  for (const char* needle :
       {"HTTP 429", "Retry-After 1 s", "HTTP 500", "timed_out", "not the expected JSON",
        "coingecko tether", "null_price", "coingecko beldex", "missing_asset", "binance ethereum",
        "binance usd-coin", "coinbase tether", "coinbase ethereum", "does not list it"}) {
    EXPECT_NE(poller_log.find(needle), std::string::npos) << needle << "\n" << poller_log;
  }
}

}  // namespace
}  // namespace tokenflow::testing
