// `tokenflow sink redis` through the faults it must survive, with the real binary, the
// embedded cluster, a real Redis and ticks from kcat: SIGKILLed mid-stream and restarted,
// the cache equals an uninterrupted run's and every change was PUBLISHed once; Redis
// restarted mid-stream (same data, append-only file), the sink retries, reconnects and
// loses nothing; Redis restarted with its data lost, the sink rebuilds the cache from Kafka;
// the whole topic replayed (`tokenflow replay --redis-url ... --to-earliest --execute`),
// Redis unchanged, updated_at included.
#include <gtest/gtest.h>

#include "support/redis_sink_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kGroup = "tokenflow-sink-redis";

struct FaultsFixture {
  FaultsFixture() : pipeline(false) {
    if (!pipeline.cluster().create_topic(kRedisSinkTopic, kRedisSinkPartitions).ok()) {
      throw std::runtime_error("cannot create " + std::string(kRedisSinkTopic));
    }
  }
  Pipeline pipeline;
};

TEST(SinkRedisSurvivesFaults, SigkillMidStreamEqualsAnUninterruptedRun) {
  FaultsFixture f;
  RedisServer redis;
  const auto ticks = make_price_ticks(30000, 11);
  f.pipeline.produce_with_kcat(keyed_price_ticks(ticks), kRedisSinkTopic);
  const auto total = static_cast<std::int64_t>(ticks.size());

  // The reference: one run that is never interrupted, under its own prefix and group.
  ChannelRecorder reference_channel(redis, "reference:prices");
  auto reference = start_redis_sink(
      f.pipeline, redis,
      {"--key-prefix", "reference", "--group", "reference", "--max-records", std::to_string(total)},
      "reference.log");
  ASSERT_EQ(reference->wait(180s), 0) << tail_of(*reference);
  const auto reference_published = reference_channel.stop();

  // Small batches, so the kill lands between many of them.
  ChannelRecorder channel(redis, "tokenflow:prices");
  const std::vector<std::string> small = {"--batch-size", "20"};
  auto first = start_redis_sink(f.pipeline, redis, small, "sink-1.log");
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, kGroup) >= total / 3; }, 120s, 5ms))
      << tail_of(*first);
  first->signal(SIGKILL);
  (void)first->wait(10s);
  const auto at_kill = stored_position_sum(redis, kGroup);
  EXPECT_LT(at_kill, total) << "the kill came after the last batch: nothing was interrupted";

  auto second = start_redis_sink(f.pipeline, redis, {}, "sink-2.log");
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, kGroup) == total; }, 120s))
      << tail_of(*second);
  second->signal(SIGTERM);
  ASSERT_EQ(second->wait(60s), 0) << tail_of(*second);
  const auto published = channel.stop();

  const auto expected = expected_cache(ticks, "reference");
  EXPECT_EQ(describe_difference(expected, stored_cache(redis, "reference"), "reference keys"), "");
  // The same cache, key for key (the prefix aside).
  std::map<std::string, std::string> renamed;
  for (const auto& [key, value] : stored_cache(redis, "tokenflow")) {
    renamed["reference" + key.substr(std::string("tokenflow").size())] = value;
  }
  EXPECT_EQ(describe_difference(expected, renamed, "keys after the kill"), "");
  // Ticks read again after the kill found the cache holding them: no second PUBLISH.
  EXPECT_EQ(published.size(), reference_published.size());
  EXPECT_NE(second->output().find("resumes at offset"), std::string::npos) << tail_of(*second);
}

TEST(SinkRedisSurvivesFaults, RedisRestartedMidStreamLosesNothing) {
  FaultsFixture f;
  RedisServer redis;
  const auto ticks = make_price_ticks(6000, 12);
  const auto keyed = keyed_price_ticks(ticks);
  const std::vector<std::pair<std::string, std::string>> part1(keyed.begin(), keyed.begin() + 2000);
  const std::vector<std::pair<std::string, std::string>> part2(keyed.begin() + 2000, keyed.begin() + 4000);
  const std::vector<std::pair<std::string, std::string>> part3(keyed.begin() + 4000, keyed.end());
  // --max-records counts each message once, however often the outage makes it read: the
  // sink stops by itself with all 6000 stored, not early.
  auto sink = start_redis_sink(f.pipeline, redis, {"--metrics-port", "0", "--max-records", "6000"},
                               "sink.log");
  f.pipeline.produce_with_kcat(part1, kRedisSinkTopic);
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, kGroup) == 2000; }, 120s))
      << tail_of(*sink);

  redis.stop();  // SIGTERM: Redis writes its append-only file out and exits
  f.pipeline.produce_with_kcat(part2, kRedisSinkTopic);
  ASSERT_TRUE(sink->wait_for_output("retrying in", 60s)) << tail_of(*sink);
  std::this_thread::sleep_for(1s);
  redis.start();
  f.pipeline.produce_with_kcat(part3, kRedisSinkTopic);
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, kGroup) == 6000; }, 120s))
      << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_cache(ticks), stored_cache(redis), "cache keys"), "");
  ASSERT_EQ(sink->wait(60s), 0) << "the sink did not stop after its 6000 records\n" << tail_of(*sink);
  EXPECT_EQ(stored_position_sum(redis, kGroup), 6000);
  const auto summary = sink_summary(sink->output());
  // The failed batches were counted, dropped and read again from the stored positions.
  EXPECT_GE(summary.consumed, 6000) << tail_of(*sink);
  EXPECT_GT(summary.read_again, 0) << tail_of(*sink);
  EXPECT_NE(sink->output().find("reads again from offset"), std::string::npos) << tail_of(*sink);
}

TEST(SinkRedisSurvivesFaults, RedisThatLostItsDataIsRebuiltFromKafka) {
  FaultsFixture f;
  RedisServerOptions no_persistence;
  no_persistence.appendonly = false;
  RedisServer redis(no_persistence);
  const auto ticks = make_price_ticks(3000, 13);
  const auto keyed = keyed_price_ticks(ticks);
  auto sink = start_redis_sink(f.pipeline, redis, {}, "sink.log");
  f.pipeline.produce_with_kcat({keyed.begin(), keyed.begin() + 1500}, kRedisSinkTopic);
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, kGroup) == 1500; }, 120s))
      << tail_of(*sink);
  EXPECT_NE(sink->output().find("keeps no append-only file"), std::string::npos) << tail_of(*sink);
  redis.kill();  // nothing on disk: it comes back empty
  redis.start();
  f.pipeline.produce_with_kcat({keyed.begin() + 1500, keyed.end()}, kRedisSinkTopic);
  ASSERT_TRUE(wait_until([&] { return stored_position_sum(redis, kGroup) == 3000; }, 120s))
      << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_cache(ticks), stored_cache(redis), "cache keys"), "");
  EXPECT_NE(sink->output().find("the server lost writes"), std::string::npos) << tail_of(*sink);
}

TEST(SinkRedisSurvivesFaults, ReplayingTheWholeTopicLeavesRedisUnchanged) {
  FaultsFixture f;
  RedisServer redis;
  const auto ticks = make_price_ticks(4000, 14);
  f.pipeline.produce_with_kcat(keyed_price_ticks(ticks), kRedisSinkTopic);
  const auto total = static_cast<std::int64_t>(ticks.size());
  auto first = start_redis_sink(f.pipeline, redis, {"--max-records", std::to_string(total)}, "sink-1.log");
  ASSERT_EQ(first->wait(120s), 0) << tail_of(*first);
  const auto before = stored_cache(redis, "tokenflow", true);
  ASSERT_EQ(stored_position_sum(redis, kGroup), total);

  auto replay = run_command({tokenflow_binary(), "replay", "--kafka-bootstrap", f.pipeline.bootstrap(),
                             "--group", kGroup, "--topic", kRedisSinkTopic, "--to-earliest",
                             "--redis-url", redis.url(), "--execute"},
                            60s);
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("(one MULTI/EXEC)"), std::string::npos) << replay.output;
  EXPECT_EQ(stored_position_sum(redis, kGroup), 0);

  ChannelRecorder channel(redis, "tokenflow:prices");
  auto second = start_redis_sink(f.pipeline, redis, {"--max-records", std::to_string(total)}, "sink-2.log");
  ASSERT_EQ(second->wait(120s), 0) << tail_of(*second);
  EXPECT_TRUE(channel.stop().empty());
  const auto summary = sink_summary(second->output());
  EXPECT_EQ(summary.consumed, total);
  EXPECT_EQ(summary.stored, 0);
  EXPECT_EQ(describe_difference(before, stored_cache(redis, "tokenflow", true), "cache keys"), "");
  EXPECT_EQ(stored_position_sum(redis, kGroup), total);
}

TEST(SinkRedisSurvivesFaults, ReplayRefusesWhileTheSinkRuns) {
  FaultsFixture f;
  RedisServer redis;
  auto sink = start_redis_sink(f.pipeline, redis, {}, "sink.log");
  ASSERT_TRUE(sink->wait_for_output("sink: consuming", 60s)) << tail_of(*sink);
  auto replay = run_command({tokenflow_binary(), "replay", "--kafka-bootstrap", f.pipeline.bootstrap(),
                             "--group", kGroup, "--topic", kRedisSinkTopic, "--to-earliest",
                             "--redis-url", redis.url(), "--execute"},
                            60s);
  EXPECT_NE(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("is running"), std::string::npos) << replay.output;
}

}  // namespace
}  // namespace tokenflow::testing
