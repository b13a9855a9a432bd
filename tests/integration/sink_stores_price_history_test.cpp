// `tokenflow sink postgres --events prices` with the real binary, the embedded cluster and a
// real PostgreSQL, reading ticks kcat published (a foreign producer): every distinct tick is
// in raw.price_history once, exact as published (prices, 24 h volume and change), a tick
// re-sent is ignored, a message that is no tick goes to the dead-letter topic, and a sink
// stopped half way and started again stores the rest without a row twice (the offsets are
// stored with the rows, in the same table as the transfers' but under price_history).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "codec/price_tick_encoder.hpp"
#include "core/price_tick.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPricesTopic = "market.prices";
constexpr int kPricesPartitions = 3;

// Ticks of a few assets from two sources, with the awkward numbers price APIs print: many
// fractional digits, tiny prices, negative changes, no volume.
std::vector<core::PriceTick> make_ticks(std::size_t per_asset) {
  const std::vector<std::pair<std::string, std::string>> assets = {
      {"usd-coin", "USDC"}, {"tether", "USDT"}, {"ethereum", "ETH"}, {"beldex", "BDX"}};
  std::vector<core::PriceTick> ticks;
  for (std::size_t i = 0; i < per_asset; ++i) {
    for (const auto& [asset, symbol] : assets) {
      for (const char* source : {"coingecko", "binance"}) {
        core::PriceTick tick;
        tick.asset = asset;
        tick.symbol = symbol;
        tick.source = source;
        tick.timestamp = core::UnixMillis{1764763200000 + static_cast<std::int64_t>(i) * 60'000};
        const std::string fraction = std::to_string(100000 + i * 7 + asset.size());
        const std::string price = asset == "ethereum" ? "3012." + fraction
                                  : asset == "beldex" ? "0.0000" + fraction
                                                      : "0.99" + fraction + "000";
        tick.price_usd = *core::Decimal::parse(price);
        if (std::string(source) == "coingecko") {
          tick.volume_24h_usd = *core::Decimal::parse("5123456789.12" + std::to_string(i));
          tick.change_24h_pct = *core::SignedDecimal::parse(i % 2 ? "-0.0123" : "1.5");
        }
        tick.id = core::price_tick_id(tick.source, tick.asset, tick.timestamp);
        ticks.push_back(std::move(tick));
      }
    }
  }
  return ticks;
}

std::vector<std::pair<std::string, std::string>> keyed_ticks(const std::vector<core::PriceTick>& ticks) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& tick : ticks) out.emplace_back(tick.asset, codec::encode_price_tick(tick));
  return out;
}

std::string text_or_null(const std::optional<core::Decimal>& value) {
  return value ? value->to_string() : "NULL";
}

// "asset|source|unix ms" -> "price|symbol|volume|change": what the table must hold.
std::map<std::string, std::string> expected_history(const std::vector<core::PriceTick>& ticks) {
  std::map<std::string, std::string> out;
  for (const auto& t : ticks) {
    out[t.asset + "|" + t.source + "|" + std::to_string(t.timestamp.value)] =
        t.price_usd.to_string() + "|" + t.symbol + "|" + text_or_null(t.volume_24h_usd) + "|" +
        (t.change_24h_pct ? t.change_24h_pct->to_string() : "NULL");
  }
  return out;
}

// The same of raw.price_history; NUMERIC's text normalised the way Decimal prints (PostgreSQL
// keeps the scale it was given: trim_scale drops trailing zeros).
std::map<std::string, std::string> stored_history(const PostgresServer& server) {
  std::map<std::string, std::string> out;
  for (const auto& row : server.query(
           "SELECT asset, source, (extract(epoch FROM \"timestamp\") * 1000)::bigint,"
           " trim_scale(price_usd)::text, coalesce(symbol, ''),"
           " coalesce(trim_scale(volume_24h_usd)::text, 'NULL'),"
           " coalesce(trim_scale(change_24h_pct)::text, 'NULL') FROM raw.price_history")) {
    out[row[0] + "|" + row[1] + "|" + row[2]] = row[3] + "|" + row[4] + "|" + row[5] + "|" + row[6];
  }
  return out;
}

std::vector<std::string> prices_sink_args(std::size_t max_records) {
  return {"--events", "prices", "--max-records", std::to_string(max_records)};
}

TEST(SinkStoresPriceHistory, EveryDistinctTickOnceExactAcrossARestart) {
  Pipeline pipeline;
  ASSERT_TRUE(pipeline.cluster().create_topic(kPricesTopic, kPricesPartitions).ok());
  const auto ticks = make_ticks(25);  // 200 distinct ticks
  auto messages = keyed_ticks(ticks);
  // Re-sent ticks (a poller restarted before its cursor was saved) and one that is no tick.
  for (std::size_t i = 0; i < 20; ++i) messages.push_back(messages[i * 3]);
  messages.emplace_back("usd-coin", R"({"asset":"usd-coin","price_usd":"not a number"})");
  pipeline.produce_with_kcat(messages, kPricesTopic);
  const std::size_t total = messages.size();

  // Half, then stopped; the second run reads the rest from the stored offsets.
  auto first = pipeline.start_sink(prices_sink_args(total / 2), "sink-1.log");
  ASSERT_EQ(first->wait(120s), 0) << tail_of(*first);
  EXPECT_NE(first->output().find("into raw.price_history"), std::string::npos) << tail_of(*first);
  const auto halfway = stored_history(pipeline.postgres());
  EXPECT_GT(halfway.size(), 0u);
  EXPECT_LT(halfway.size(), ticks.size());

  auto second = pipeline.start_sink(prices_sink_args(total - total / 2), "sink-2.log");
  ASSERT_EQ(second->wait(120s), 0) << tail_of(*second);
  EXPECT_EQ(describe_difference(expected_history(ticks), stored_history(pipeline.postgres()),
                                "price ticks"),
            "");

  // Together the two runs read every message once: each distinct tick stored once, the
  // repeats ignored, the bad one dead-lettered.
  const auto one = sink_summary(first->output());
  const auto two = sink_summary(second->output());
  EXPECT_EQ(one.consumed + two.consumed, static_cast<std::int64_t>(total));
  EXPECT_EQ(one.stored + two.stored, static_cast<std::int64_t>(ticks.size()));
  EXPECT_EQ(one.duplicates + two.duplicates, 20);
  EXPECT_EQ(one.dead_letters + two.dead_letters, 1);
  const auto letters = pipeline.read_topic(kPipelineDeadLetterTopic, 3, 60s);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].headers.at("tokenflow.source.topic"), kPricesTopic);

  // The positions are the price history's own, beside (not mixed with) the transfers'.
  const auto positions = pipeline.postgres().query(
      "SELECT topic, sum(next_offset) FROM raw.tokenflow_offsets WHERE target_table = "
      "'raw.price_history' GROUP BY topic");
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0][0], kPricesTopic);
  EXPECT_EQ(positions[0][1], std::to_string(total));
}

TEST(SinkStoresPriceHistory, InitSchemaCreatesThePriceHistory) {
  Pipeline pipeline;
  auto run = run_command({tokenflow_binary(), "init-schema", "--database-url",
                          pipeline.postgres().url()},
                         60s);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("raw.price_history"), std::string::npos) << run.output;
  const auto key = pipeline.postgres().query(
      "SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM pg_index i"
      " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)"
      " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
      " WHERE i.indrelid = 'raw.price_history'::regclass AND i.indisprimary");
  ASSERT_EQ(key.size(), 1u);
  EXPECT_EQ(key[0][0], "asset,source,timestamp");
  const auto type = pipeline.postgres().query(
      "SELECT data_type FROM information_schema.columns WHERE table_schema = 'raw' AND"
      " table_name = 'price_history' AND column_name = 'price_usd'");
  ASSERT_EQ(type.size(), 1u);
  EXPECT_EQ(type[0][0], "numeric");
}

}  // namespace
}  // namespace tokenflow::testing
