// `tokenflow up` with REDIS_URL runs the price cache role (as `sink redis`): when it stops, a
// real Redis holds the latest tick of every registry token from each simulated source and the
// latest over the sources, and the cache took in every tick the price simulator published.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>

#include "support/child_process.hpp"
#include "support/pipeline_harness.hpp"
#include "support/redis_server.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

// The first number after `label` in `out` (commas removed), or -1.
std::int64_t number_after(const std::string& out, const std::string& label) {
  const auto at = out.find(label);
  if (at == std::string::npos) return -1;
  auto from = out.find_first_of("0123456789", at + label.size());
  std::string digits;
  while (from < out.size() && (std::isdigit(static_cast<unsigned char>(out[from])) || out[from] == ',')) {
    if (out[from] != ',') digits += out[from];
    ++from;
  }
  return digits.empty() ? -1 : std::stoll(digits);
}

TEST(UpCachesPricesInRedis, TheLatestTickOfEveryTokenAndSourceIsInRedis) {
  RedisServer redis;
  const std::string dir = make_temp_dir("tf-up-redis");
  ChildProcess up({tokenflow_binary(), "up", "--listen", "127.0.0.1:0", "--count", "6000",
                   "--rate", "2000", "--quiet-alerts", "--sqlite-path", dir + "/up.db"},
                  dir + "/up.log",
                  {{"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}, {"REDIS_URL", redis.url()}});
  auto code = up.wait(180s);
  ASSERT_TRUE(code.has_value()) << "up did not finish its transfers\n" << tail_of(up);
  ASSERT_EQ(*code, 0) << tail_of(up);
  const std::string out = up.output();
  EXPECT_NE(out.find("up: price cache: storing price ticks in Redis"), std::string::npos)
      << tail_of(up);

  // Every tick published was consumed by the cache, each changing it (all are new).
  const auto published = number_after(out, "\n  prices ");
  const auto consumed = number_after(out, "\n  price cache ");
  ASSERT_GT(published, 0) << tail_of(up);
  EXPECT_EQ(consumed, published) << tail_of(up);
  EXPECT_EQ(number_after(out.substr(out.find("\n  price cache ")), " consumed, "), published)
      << "every tick new to the cache\n" << tail_of(up);

  // 17 registry tokens x 3 simulated sources, and the latest of each token over its sources.
  const auto per_source = redis.keys("tokenflow:price:*:sim-*");
  std::set<std::string> assets;
  std::map<std::string, std::int64_t> newest;
  for (const auto& key : per_source) {
    const auto fields = redis.hgetall(key);
    ASSERT_TRUE(fields.count("price") && fields.count("timestamp") && fields.count("id")) << key;
    const auto asset = key.substr(std::string("tokenflow:price:").size(),
                                  key.rfind(':') - std::string("tokenflow:price:").size());
    assets.insert(asset);
    EXPECT_EQ(fields.at("id"), fields.at("source") + ":" + asset + ":" + fields.at("timestamp"));
    newest[asset] = std::max<std::int64_t>(newest[asset], std::stoll(fields.at("timestamp")));
  }
  EXPECT_EQ(per_source.size(), 51u);
  EXPECT_EQ(assets.size(), 17u);
  EXPECT_TRUE(assets.count("usd-coin") && assets.count("weth")) << "asset ids as CoinGecko's";
  for (const auto& [asset, timestamp] : newest) {
    const auto latest = redis.hgetall("tokenflow:price:" + asset);
    ASSERT_TRUE(latest.count("timestamp")) << asset;
    EXPECT_EQ(std::stoll(latest.at("timestamp")), timestamp) << asset;
  }
}

}  // namespace
}  // namespace tokenflow::testing
