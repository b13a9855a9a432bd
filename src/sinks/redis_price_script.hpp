// The Lua script of `tokenflow sink redis`: one call stores a batch of price ticks in the
// cache and the Kafka positions they cover, atomically (Redis runs a script as one unit).
// A tick is written to a key only if it is newer than what the key holds, so a replay or a
// redelivery never rolls the cache back; positions never move backwards. docs/redis.md
// describes the keys and the guarantees.
//
// Call (EVALSHA kPriceScriptSha1 ...):
//   KEYS: [1] the positions hash, then per tick its asset+source key and its asset key.
//   ARGV: [1] TTL in seconds (0: none), [2] the channel to PUBLISH changes on ("": none),
//         [3] P, the number of positions, then P pairs (partition, next offset), then per
//         tick kPriceScriptArgsPerTick values: id, timestamp (unix ms), price, source,
//         volume_24h ("" if absent), change_24h ("" if absent), symbol ("" if absent),
//         the tick's JSON (the message PUBLISHed).
//   Returns: how many ticks changed the cache.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tokenflow::sinks {

inline constexpr std::size_t kPriceScriptArgsPerTick = 8;
inline constexpr std::size_t kPriceScriptKeysPerTick = 2;

// The script's source text (what SCRIPT LOAD is sent).
std::string_view price_script_source();
// Its SHA-1 in lower-case hex, as EVALSHA names it.
const std::string& price_script_sha1();

}  // namespace tokenflow::sinks
