// What the tests of `tokenflow sink redis` share: price ticks with the awkward shapes (out of
// order, repeated, equal timestamps across sources, optional fields), the cache the sink
// must leave in Redis for them, the cache it did leave, and a subscriber counting what the
// sink PUBLISHed.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/price_tick.hpp"
#include "support/pipeline_harness.hpp"
#include "support/redis_server.hpp"

namespace tokenflow::testing {

inline constexpr const char* kRedisSinkTopic = "market.prices";
inline constexpr int kRedisSinkPartitions = 6;

// `count` ticks of 12 assets from 3 sources, deterministic for `seed`: mostly moving
// forward in time, with about one in five older than the asset and source's previous one
// (a late tick that must not win) and some sharing a timestamp with another source's.
std::vector<core::PriceTick> make_price_ticks(std::size_t count, std::uint64_t seed);
// (key = asset, payload = codec::encode_price_tick).
std::vector<std::pair<std::string, std::string>> keyed_price_ticks(
    const std::vector<core::PriceTick>& ticks);

// key -> its fields but updated_at ("id=..|price=..|..."): what the sink must leave under
// `prefix` (the newest tick per asset and per asset and source, the greater id on a tie).
std::map<std::string, std::string> expected_cache(const std::vector<core::PriceTick>& ticks,
                                                  const std::string& prefix = "tokenflow");
// The same, read from the server. With `with_updated_at`, updated_at is kept too.
std::map<std::string, std::string> stored_cache(const RedisServer& server,
                                                const std::string& prefix = "tokenflow",
                                                bool with_updated_at = false);
// The sum of the stored next offsets of `group` (a count of messages, offsets from 0).
std::int64_t stored_position_sum(const RedisServer& server, const std::string& group,
                                 const std::string& prefix = "tokenflow");

// `tokenflow sink redis --redis-url <server> --kafka-bootstrap <pipeline> <extra>`.
std::unique_ptr<ChildProcess> start_redis_sink(Pipeline& pipeline, const RedisServer& server,
                                               std::vector<std::string> extra,
                                               const std::string& log);

// SUBSCRIBEs to `channel` on its own thread and keeps every message until stop(), which
// PUBLISHes a last marker and waits for it (so every message published before is in).
class ChannelRecorder {
 public:
  ChannelRecorder(const RedisServer& server, std::string channel);
  ~ChannelRecorder();
  std::vector<std::string> stop();

 private:
  const RedisServer& server_;
  std::string channel_;
  std::vector<std::string> messages_;
  std::atomic<bool> subscribed_{false};
  std::thread thread_;
};

}  // namespace tokenflow::testing
