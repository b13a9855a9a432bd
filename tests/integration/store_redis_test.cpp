// RedisStore against a real Redis (Debian's redis-server in a temporary directory): the
// price script keeps the latest tick per asset and per asset and source, never rolls back
// for an older or repeated tick, publishes each change, stores positions with the ticks and
// never moves them back; replace/forget positions; TTL; NOSCRIPT after SCRIPT FLUSH; a
// server stopped and started: unavailable, then the same batch once; a server that lost its
// data: rewind; TLS with a CA of the test's own, and a password.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "codec/price_tick_decoder.hpp"
#include "core/price_tick.hpp"
#include "sinks/errc.hpp"
#include "sinks/redis_store.hpp"
#include "support/redis_server.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTopic = "market.prices";

core::PriceTick tick(const std::string& asset, const std::string& source, std::int64_t ms,
                     const std::string& price) {
  core::PriceTick t;
  t.asset = asset;
  t.source = source;
  t.symbol = asset == "ethereum" ? "ETH" : "USDC";
  t.timestamp = core::UnixMillis{ms};
  t.price_usd = *core::Decimal::parse(price);
  t.id = core::price_tick_id(source, asset, t.timestamp);
  return t;
}

core::Positions at(std::int32_t partition, std::int64_t next) {
  return {{kTopic, core::Partition{partition}, core::Offset{next}}};
}

sinks::RedisStoreOptions options_for(const RedisServer& server) {
  sinks::RedisStoreOptions options;
  options.connection.endpoint = *sinks::parse_redis_url(server.url());
  options.connection.ca_file = server.ca_file();
  options.connection.io_timeout = 3s;
  options.group = "test-group";
  return options;
}

std::map<int, std::int64_t> positions_of(sinks::RedisStore& store, std::vector<int> partitions) {
  std::vector<core::Partition> asked;
  for (int p : partitions) asked.push_back({p});
  auto loaded = store.load_positions(kTopic, asked);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().message);
  std::map<int, std::int64_t> out;
  if (loaded.ok()) {
    for (const auto& p : *loaded) out[p.partition.value] = p.next_offset.value;
  }
  return out;
}

class StoreRedis : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<sinks::RedisStore>(options_for(server_));
    auto connected = store_->connect();
    ASSERT_TRUE(connected.ok()) << connected.error().message;
    ASSERT_TRUE(store_->init_schema().ok());
  }

  core::Result<std::size_t> write(const std::vector<core::PriceTick>& ticks,
                                  const core::Positions& positions) {
    return store_->write(std::span<const core::PriceTick>(ticks), positions);
  }

  RedisServer server_;
  std::unique_ptr<sinks::RedisStore> store_;
};

TEST_F(StoreRedis, KeepsTheLatestTickPerAssetAndPerSourceExactly) {
  auto eth_cg = tick("ethereum", "coingecko", 1000, "3012.123456789012345678");
  eth_cg.volume_24h_usd = *core::Decimal::parse("15234567890.12");
  eth_cg.change_24h_pct = *core::SignedDecimal::parse("-1.25");
  const auto eth_bn = tick("ethereum", "binance", 2000, "3013.5");
  const auto usdc = tick("usd-coin", "coingecko", 1500, "0.99990000");
  auto written = write({eth_cg, eth_bn, usdc}, at(0, 3));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, 3u);

  auto cg = server_.hgetall("tokenflow:price:ethereum:coingecko");
  EXPECT_EQ(cg["price"], "3012.123456789012345678");
  EXPECT_EQ(cg["source"], "coingecko");
  EXPECT_EQ(cg["timestamp"], "1000");
  EXPECT_EQ(cg["volume_24h"], "15234567890.12");
  EXPECT_EQ(cg["change_24h"], "-1.25");
  EXPECT_EQ(cg["symbol"], "ETH");
  EXPECT_EQ(cg["id"], eth_cg.id);
  EXPECT_EQ(cg["updated_at"].size(), 13u) << cg["updated_at"];  // unix ms
  // The asset's key holds the newest over all sources: binance's.
  auto latest = server_.hgetall("tokenflow:price:ethereum");
  EXPECT_EQ(latest["source"], "binance");
  EXPECT_EQ(latest["price"], "3013.5");
  EXPECT_EQ(latest.count("volume_24h"), 0u);  // binance said none: no stale coingecko figure
  EXPECT_EQ(server_.hgetall("tokenflow:price:usd-coin")["price"], "0.9999");
  EXPECT_EQ(positions_of(*store_, {0, 1}), (std::map<int, std::int64_t>{{0, 3}}));
  EXPECT_EQ(*store_->count_rows(), 5u);  // 2 assets + 3 asset-source keys
}

TEST_F(StoreRedis, AnOlderOrRepeatedTickNeverRollsBack) {
  ASSERT_TRUE(write({tick("ethereum", "binance", 5000, "3100")}, at(0, 1)).ok());
  const auto before = server_.hgetall("tokenflow:price:ethereum:binance");
  // Older, then the same again (a redelivery), then an older one of another source.
  auto written = write({tick("ethereum", "binance", 4000, "2900"),
                        tick("ethereum", "binance", 5000, "3100"),
                        tick("ethereum", "coinbase", 4500, "2950")},
                       at(0, 4));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, 1u);  // only coinbase's own key changed
  EXPECT_EQ(server_.hgetall("tokenflow:price:ethereum:binance"), before);
  EXPECT_EQ(server_.hgetall("tokenflow:price:ethereum")["price"], "3100");
  EXPECT_EQ(server_.hgetall("tokenflow:price:ethereum:coinbase")["price"], "2950");
  // An equal timestamp from two sources: the greater id wins, whatever the order.
  ASSERT_TRUE(write({tick("tether", "b-src", 7000, "1.001"), tick("tether", "a-src", 7000, "0.999")},
                    at(1, 2))
                  .ok());
  ASSERT_TRUE(write({tick("usd-coin", "a-src", 7000, "0.999"), tick("usd-coin", "b-src", 7000, "1.001")},
                    at(1, 4))
                  .ok());
  EXPECT_EQ(server_.hgetall("tokenflow:price:tether")["source"], "b-src");
  EXPECT_EQ(server_.hgetall("tokenflow:price:usd-coin")["source"], "b-src");
}

TEST_F(StoreRedis, PositionsNeverMoveBackUnlessReplaced) {
  ASSERT_TRUE(write({tick("ethereum", "binance", 1, "1")}, at(2, 50)).ok());
  ASSERT_TRUE(write({}, at(2, 40)).ok());  // a late retry
  EXPECT_EQ(positions_of(*store_, {2}), (std::map<int, std::int64_t>{{2, 50}}));
  ASSERT_TRUE(store_->replace_positions({{kTopic, core::Partition{2}, core::Offset{0}},
                                         {kTopic, core::Partition{5}, core::Offset{7}}})
                  .ok());
  EXPECT_EQ(positions_of(*store_, {2, 5}), (std::map<int, std::int64_t>{{2, 0}, {5, 7}}));
  EXPECT_EQ(server_.hgetall("tokenflow:positions:test-group:market.prices").size(), 2u);
  auto forgotten = store_->forget_positions();
  ASSERT_TRUE(forgotten.ok());
  EXPECT_EQ(*forgotten, 2u);
  EXPECT_TRUE(positions_of(*store_, {2, 5}).empty());
  EXPECT_EQ(server_.hgetall("tokenflow:price:ethereum")["price"], "1");  // the cache stays
}

TEST_F(StoreRedis, PublishesEachChangeAsTheTicksJson) {
  sinks::RedisConnectionOptions options;
  options.endpoint = *sinks::parse_redis_url(server_.url());
  sinks::RedisConnection subscriber(options);
  ASSERT_TRUE(subscriber.connect().ok());
  auto subscribed = subscriber.command({"SUBSCRIBE", "tokenflow:prices"});
  ASSERT_TRUE(subscribed.ok());
  auto fresh = tick("ethereum", "binance", 9000, "3200.10");
  fresh.change_24h_pct = *core::SignedDecimal::parse("0.5");
  ASSERT_TRUE(write({fresh, tick("ethereum", "binance", 8000, "3000")}, at(0, 2)).ok());
  auto message = subscriber.read_reply();
  ASSERT_TRUE(message.ok()) << message.error().message;
  ASSERT_EQ(message->size(), 3u);
  EXPECT_EQ(sinks::RedisReply::text_of(message->element(0)), "message");
  codec::PriceTickDecoder decoder;
  auto decoded = decoder.decode(sinks::RedisReply::text_of(message->element(2)));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->id, fresh.id);
  EXPECT_EQ(decoded->price_usd.to_string(), "3200.1");
  EXPECT_EQ(decoded->change_24h_pct->to_string(), "0.5");
  // The older tick changed nothing, so nothing more was published: the next message is this.
  ASSERT_TRUE(write({tick("tether", "binance", 1, "1")}, at(0, 3)).ok());
  auto next = subscriber.read_reply();
  ASSERT_TRUE(next.ok());
  EXPECT_NE(sinks::RedisReply::text_of(next->element(2)).find("tether"), std::string::npos);
}

TEST_F(StoreRedis, TtlExpiresPriceKeysOnly) {
  auto options = options_for(server_);
  options.ttl = std::chrono::seconds(100);
  sinks::RedisStore store(options);
  ASSERT_TRUE(store.connect().ok());
  const std::vector<core::PriceTick> ticks = {tick("ethereum", "binance", 1, "1")};
  ASSERT_TRUE(store.write(std::span<const core::PriceTick>(ticks), at(0, 1)).ok());
  const auto ttl = std::stoi(server_.command({"TTL", "tokenflow:price:ethereum:binance"}));
  EXPECT_GT(ttl, 90);
  EXPECT_LE(ttl, 100);
  EXPECT_GT(std::stoi(server_.command({"TTL", "tokenflow:price:ethereum"})), 90);
  EXPECT_EQ(server_.command({"TTL", "tokenflow:positions:test-group:market.prices"}), "-1");
}

TEST_F(StoreRedis, PipelinedCallsStoreTheSameAsOne) {
  auto options = options_for(server_);
  options.ticks_per_call = 3;
  options.key_prefix = "split";
  sinks::RedisStore store(options);
  ASSERT_TRUE(store.connect().ok());
  std::vector<core::PriceTick> ticks;
  for (int i = 0; i < 10; ++i) ticks.push_back(tick("asset-" + std::to_string(i % 4), "s", i, std::to_string(i)));
  auto split = store.write(std::span<const core::PriceTick>(ticks), at(0, 10));
  ASSERT_TRUE(split.ok()) << split.error().message;
  auto whole = write(ticks, at(0, 10));
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*split, *whole);
  EXPECT_EQ(*split, 10u);
  for (int a = 0; a < 4; ++a) {
    auto s = server_.hgetall("split:price:asset-" + std::to_string(a));
    auto w = server_.hgetall("tokenflow:price:asset-" + std::to_string(a));
    EXPECT_EQ(s["price"], w["price"]);
    EXPECT_EQ(s["id"], w["id"]);
  }
  EXPECT_EQ(server_.hgetall("split:positions:test-group:market.prices")["0"], "10");
}

TEST_F(StoreRedis, ReloadsTheScriptAfterScriptFlush) {
  server_.command({"SCRIPT", "FLUSH"});
  auto written = write({tick("ethereum", "binance", 1, "1")}, at(0, 1));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, 1u);
}

TEST_F(StoreRedis, ARefusedGateStoresNothing) {
  const std::vector<core::PriceTick> ticks = {tick("ethereum", "binance", 1, "1")};
  auto refused = store_->write(std::span<const core::PriceTick>(ticks), at(0, 1), [] { return false; });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sinks::errc::aborted);
  EXPECT_TRUE(server_.keys("tokenflow:*").empty());
  ASSERT_TRUE(write(ticks, at(0, 1)).ok());  // the connection is still usable
}

TEST_F(StoreRedis, ARestartIsUnavailableThenTheSameBatchOnce) {
  ASSERT_TRUE(write({tick("ethereum", "binance", 1, "1")}, at(0, 1)).ok());
  server_.stop();
  const std::vector<core::PriceTick> batch = {tick("ethereum", "binance", 2, "2")};
  auto failed = write(batch, at(0, 2));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, sinks::errc::unavailable) << failed.error().message;
  auto again = store_->connect();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, sinks::errc::unavailable);
  server_.start();
  ASSERT_TRUE(store_->connect().ok());
  auto written = write(batch, at(0, 2));
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, 1u);
  EXPECT_EQ(server_.hgetall("tokenflow:price:ethereum")["price"], "2");
  EXPECT_EQ(positions_of(*store_, {0}), (std::map<int, std::int64_t>{{0, 2}}));
}

TEST(StoreRedisLostWrites, AServerThatLostItsDataDemandsARewind) {
  RedisServerOptions no_persistence;
  no_persistence.appendonly = false;
  RedisServer server(no_persistence);
  sinks::RedisStore store(options_for(server));
  ASSERT_TRUE(store.connect().ok());
  const std::vector<core::PriceTick> ticks = {tick("ethereum", "binance", 1, "1")};
  ASSERT_TRUE(store.write(std::span<const core::PriceTick>(ticks), at(0, 5)).ok());
  server.kill();  // nothing on disk: the restarted server is empty
  server.start();
  ASSERT_TRUE(store.connect().ok());
  auto refused = store.write(std::span<const core::PriceTick>(ticks), at(0, 6));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sinks::errc::rewind) << refused.error().message;
  EXPECT_TRUE(positions_of(store, {0}).empty());  // reloading clears the rewind
  EXPECT_TRUE(store.write(std::span<const core::PriceTick>(ticks), at(0, 1)).ok());
}

TEST(StoreRedisTls, VerifiesTheServerAndLogsIn) {
  RedisServerOptions options;
  options.tls = true;
  options.password = "s3cret/with@odd:chars";
  RedisServer server(options);
  auto store_options = options_for(server);
  EXPECT_EQ(store_options.connection.endpoint.password, options.password);  // decoded from url()
  sinks::RedisStore store(store_options);
  auto connected = store.connect();
  ASSERT_TRUE(connected.ok()) << connected.error().message;
  const std::vector<core::PriceTick> ticks = {tick("ethereum", "binance", 1, "1.5")};
  ASSERT_TRUE(store.write(std::span<const core::PriceTick>(ticks), at(0, 1)).ok());
  EXPECT_EQ(server.hgetall("tokenflow:price:ethereum")["price"], "1.5");

  auto untrusted = store_options;
  untrusted.connection.ca_file.clear();  // the system's store does not know the test's CA
  sinks::RedisStore refused(untrusted);
  auto failed = refused.connect();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, sinks::errc::rejected) << failed.error().message;
  EXPECT_NE(failed.error().message.find("--redis-ca"), std::string::npos) << failed.error().message;

  auto wrong_password = store_options;
  wrong_password.connection.endpoint.password = "nope";
  sinks::RedisStore denied(wrong_password);
  failed = denied.connect();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, sinks::errc::rejected);
  EXPECT_NE(failed.error().message.find("AUTH"), std::string::npos) << failed.error().message;
  EXPECT_EQ(failed.error().message.find("nope"), std::string::npos) << failed.error().message;
}

}  // namespace
}  // namespace tokenflow::testing
