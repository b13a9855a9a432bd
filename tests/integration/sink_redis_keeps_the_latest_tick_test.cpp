// `tokenflow sink redis` with the real binary, the embedded cluster and a real Redis, reading
// ticks kcat published (a foreign producer): Redis holds the latest tick of every asset and of
// every asset and source, exact as published; ticks older than the stored one (late, or sent
// again) never roll it back; each change is PUBLISHed once as the tick's JSON, and nothing
// else is; a message that is no tick goes to the dead-letter topic, counted; the positions
// are in Redis beside the cache.
#include <gtest/gtest.h>

#include "codec/price_tick_decoder.hpp"
#include "support/redis_sink_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(SinkRedisKeepsTheLatestTick, FromAForeignProducerWithLateAndRepeatedTicks) {
  Pipeline pipeline(false);
  ASSERT_TRUE(pipeline.cluster().create_topic(kRedisSinkTopic, kRedisSinkPartitions).ok());
  RedisServer redis;
  auto ticks = make_price_ticks(3000, 7);
  auto messages = keyed_price_ticks(ticks);
  for (std::size_t i = 0; i < 50; ++i) messages.push_back(messages[i * 11]);  // sent again
  messages.emplace_back("asset-1", R"({"asset":"asset-1","price_usd":"not a number"})");
  pipeline.produce_with_kcat(messages, kRedisSinkTopic, "lz4");
  const auto total = static_cast<std::int64_t>(messages.size());

  ChannelRecorder published(redis, "tokenflow:prices");
  auto sink = start_redis_sink(pipeline, redis, {"--max-records", std::to_string(total)}, "sink.log");
  ASSERT_EQ(sink->wait(120s), 0) << tail_of(*sink);
  const auto messages_published = published.stop();

  EXPECT_EQ(describe_difference(expected_cache(ticks), stored_cache(redis), "cache keys"), "");
  EXPECT_EQ(stored_position_sum(redis, "tokenflow-sink-redis"), total);
  const auto summary = sink_summary(sink->output());
  EXPECT_EQ(summary.consumed, total);
  EXPECT_EQ(summary.dead_letters, 1);
  // Every tick that changed the cache was published once; the rest (late, repeated) were not.
  EXPECT_EQ(static_cast<std::int64_t>(messages_published.size()), summary.stored);
  EXPECT_EQ(summary.stored + summary.duplicates, total - 1);
  EXPECT_GT(summary.duplicates, 50);  // the repeats and the late ticks
  codec::PriceTickDecoder decoder;
  for (const auto& text : messages_published) {
    auto decoded = decoder.decode(text);
    ASSERT_TRUE(decoded.ok()) << text;
  }
  const auto letters = pipeline.read_topic(kPipelineDeadLetterTopic, 3, 60s);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].headers.at("tokenflow.source.topic"), kRedisSinkTopic);
  EXPECT_NE(sink->output().find("sent to tokenflow.dlq"), std::string::npos) << tail_of(*sink);
}

TEST(SinkRedisKeepsTheLatestTick, AnOlderTickSentLaterDoesNotRollBack) {
  Pipeline pipeline(false);
  ASSERT_TRUE(pipeline.cluster().create_topic(kRedisSinkTopic, kRedisSinkPartitions).ok());
  RedisServer redis;
  std::vector<core::PriceTick> ticks = make_price_ticks(1, 1);
  core::PriceTick newer = ticks[0];
  newer.asset = "ethereum";
  newer.source = "binance";
  newer.timestamp = core::UnixMillis{1764763260000};
  newer.price_usd = *core::Decimal::parse("3100.000000000000000001");
  newer.id = core::price_tick_id(newer.source, newer.asset, newer.timestamp);
  core::PriceTick older = newer;
  older.timestamp = core::UnixMillis{1764763200000};
  older.price_usd = *core::Decimal::parse("2900");
  older.id = core::price_tick_id(older.source, older.asset, older.timestamp);
  pipeline.produce_with_kcat(keyed_price_ticks({newer}), kRedisSinkTopic);
  auto sink = start_redis_sink(pipeline, redis, {}, "sink.log");
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, "tokenflow-sink-redis") == 1; }, 60s))
      << tail_of(*sink);
  pipeline.produce_with_kcat(keyed_price_ticks({older}), kRedisSinkTopic);
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, "tokenflow-sink-redis") == 2; }, 60s))
      << tail_of(*sink);
  for (const char* key : {"tokenflow:price:ethereum", "tokenflow:price:ethereum:binance"}) {
    auto held = redis.hgetall(key);
    EXPECT_EQ(held["price"], "3100.000000000000000001") << key;
    EXPECT_EQ(held["timestamp"], "1764763260000") << key;
  }
  sink->signal(SIGTERM);
  ASSERT_EQ(sink->wait(60s), 0) << tail_of(*sink);
  EXPECT_EQ(sink_summary(sink->output()).duplicates, 1);
}

}  // namespace
}  // namespace tokenflow::testing
