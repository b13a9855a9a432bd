// RedisEndpoint: where a Redis server is and how to log in, parsed from REDIS_URL
// (`redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS), with the rules of
// redis-cli's -u: a user-info without ':' is the password alone; user and password are
// percent-decoded (so a password may hold '@', ':' or '/'); IPv6 hosts go in brackets.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::sinks {

struct RedisEndpoint {
  bool tls = false;
  std::string host;
  int port = 6379;
  std::string user;      // empty: AUTH with the password alone (the `default` user)
  std::string password;  // empty: no AUTH
  int db = 0;            // SELECT after connecting (standalone Redis has 16 by default)
};

// Errors: errc::rejected, naming the URL (without its password) and what is wrong.
core::Result<RedisEndpoint> parse_redis_url(std::string_view url);

// The endpoint as a URL without its password ("rediss://app@cache.internal:6380/2"), for log
// lines and errors.
std::string describe_redis_endpoint(const RedisEndpoint& endpoint);

}  // namespace tokenflow::sinks
