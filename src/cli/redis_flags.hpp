// The Redis flags shared by `sink redis` and `replay`: --redis-url (REDIS_URL for the sink),
// --redis-ca, --key-prefix; checked and turned into the store's options in one place.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "core/result.hpp"
#include "sinks/redis_store.hpp"

namespace tokenflow::cli {

inline constexpr const char* kDefaultRedisUrl = "redis://127.0.0.1:6379/0";

struct RedisFlags {
  std::string url;
  std::string ca_file;
  std::string key_prefix = "tokenflow";
};

// `url_from_env`: the sink reads REDIS_URL; replay takes only the flag, so that moving a
// PostgreSQL sink's group never writes positions into a Redis named by the environment.
void add_redis_flags(CLI::App& command, RedisFlags& flags, bool url_from_env);
// Errors (a URL that does not parse, a bad prefix, a CA file missing) name the flag.
core::Result<sinks::RedisStoreOptions> to_redis_store_options(const RedisFlags& flags,
                                                               const std::string& group);

}  // namespace tokenflow::cli
