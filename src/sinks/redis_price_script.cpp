#include "sinks/redis_price_script.hpp"

#include <openssl/evp.h>

#include <cstdio>

namespace tokenflow::sinks {
namespace {

// Lua 5.1 inside Redis. Timestamps are compared as numbers (unix ms stay below 2^53); on an
// equal timestamp the greater id wins, so the final state does not depend on the order in
// which ticks arrive, and a tick seen again (same timestamp, same id) changes nothing.
// Positions are written last: a script that fails half way (a key of another type) leaves
// them where they were, so the ticks it did write are read again and found unchanged.
constexpr std::string_view kPriceScript = R"lua(
local ttl = tonumber(ARGV[1])
local channel = ARGV[2]
local npos = tonumber(ARGV[3])
local now = redis.call('TIME')
local updated_at = now[1] .. string.format('%03d', math.floor(tonumber(now[2]) / 1000))
local first = 4 + 2 * npos

local function newer(key, ts, id)
  local stored = redis.call('HMGET', key, 'timestamp', 'id')
  if not stored[1] then return true end
  local stored_ts = tonumber(stored[1])
  if ts ~= stored_ts then return ts > stored_ts end
  return id > (stored[2] or '')
end

local function set_or_drop(key, field, value)
  if value == '' then redis.call('HDEL', key, field) else redis.call('HSET', key, field, value) end
end

local function store(key, base)
  redis.call('HSET', key, 'id', ARGV[base], 'timestamp', ARGV[base + 1], 'price', ARGV[base + 2],
             'source', ARGV[base + 3], 'updated_at', updated_at)
  set_or_drop(key, 'volume_24h', ARGV[base + 4])
  set_or_drop(key, 'change_24h', ARGV[base + 5])
  set_or_drop(key, 'symbol', ARGV[base + 6])
  if ttl > 0 then redis.call('EXPIRE', key, ttl) end
end

local changed = 0
local ticks = (#KEYS - 1) / 2
for i = 0, ticks - 1 do
  local base = first + i * 8
  local id = ARGV[base]
  local ts = tonumber(ARGV[base + 1])
  local did = false
  if newer(KEYS[2 + 2 * i], ts, id) then store(KEYS[2 + 2 * i], base); did = true end
  if newer(KEYS[3 + 2 * i], ts, id) then store(KEYS[3 + 2 * i], base); did = true end
  if did then
    changed = changed + 1
    if channel ~= '' then redis.call('PUBLISH', channel, ARGV[base + 7]) end
  end
end

for i = 0, npos - 1 do
  local partition = ARGV[4 + 2 * i]
  local offset = ARGV[5 + 2 * i]
  local stored = redis.call('HGET', KEYS[1], partition)
  if not stored or tonumber(offset) > tonumber(stored) then
    redis.call('HSET', KEYS[1], partition, offset)
  end
end
return changed
)lua";

}  // namespace

std::string_view price_script_source() { return kPriceScript; }

const std::string& price_script_sha1() {
  static const std::string sha = [] {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(kPriceScript.data(), kPriceScript.size(), digest, &length, EVP_sha1(), nullptr);
    std::string hex;
    char byte[3];
    for (unsigned int i = 0; i < length; ++i) {
      const unsigned char d = digest[i];
      std::snprintf(byte, sizeof byte, "%02x", d);
      hex += byte;
    }
    return hex;
  }();
  return sha;
}

}  // namespace tokenflow::sinks
