// REDIS_URL parsing: the forms redis-cli -u accepts, percent-decoding, TLS, the database
// number, and errors that name the URL without its password.
#include "sinks/redis_url.hpp"

#include <gtest/gtest.h>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

RedisEndpoint parsed(std::string_view url) {
  auto endpoint = parse_redis_url(url);
  EXPECT_TRUE(endpoint.ok()) << url << ": " << (endpoint.ok() ? "" : endpoint.error().message);
  return endpoint.ok() ? *endpoint : RedisEndpoint{};
}

TEST(RedisUrl, HostPortAndDatabase) {
  auto e = parsed("redis://cache.internal");
  EXPECT_FALSE(e.tls);
  EXPECT_EQ(e.host, "cache.internal");
  EXPECT_EQ(e.port, 6379);
  EXPECT_EQ(e.db, 0);
  EXPECT_TRUE(e.user.empty());
  EXPECT_TRUE(e.password.empty());

  e = parsed("redis://127.0.0.1:6380/3");
  EXPECT_EQ(e.host, "127.0.0.1");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 3);

  e = parsed("redis://h/");  // an empty path is database 0
  EXPECT_EQ(e.db, 0);
}

TEST(RedisUrl, TlsScheme) {
  auto e = parsed("rediss://app:pw@redis.example.com:6380/1");
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.host, "redis.example.com");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.user, "app");
  EXPECT_EQ(e.password, "pw");
  EXPECT_EQ(e.db, 1);
}

TEST(RedisUrl, UserInfoAsRedisCliReadsIt) {
  auto e = parsed("redis://user:secret@h");
  EXPECT_EQ(e.user, "user");
  EXPECT_EQ(e.password, "secret");
  e = parsed("redis://:secret@h");  // password only: AUTH secret (the default user)
  EXPECT_TRUE(e.user.empty());
  EXPECT_EQ(e.password, "secret");
  e = parsed("redis://secret@h");  // no ':' at all: the password, as redis-cli -u takes it
  EXPECT_TRUE(e.user.empty());
  EXPECT_EQ(e.password, "secret");
}

TEST(RedisUrl, PercentDecodesUserAndPassword) {
  auto e = parsed("redis://us%65r:p%40ss%3Aw%2Fo%25rd@h:1/2");
  EXPECT_EQ(e.user, "user");
  EXPECT_EQ(e.password, "p@ss:w/o%rd");
  // An unencoded '@' in the password still works: the last '@' ends the user-info.
  e = parsed("redis://u:a@b@h");
  EXPECT_EQ(e.password, "a@b");
  EXPECT_EQ(e.host, "h");
}

TEST(RedisUrl, Ipv6InBrackets) {
  auto e = parsed("redis://[::1]:7000/4");
  EXPECT_EQ(e.host, "::1");
  EXPECT_EQ(e.port, 7000);
  EXPECT_EQ(e.db, 4);
  EXPECT_EQ(describe_redis_endpoint(e), "redis://[::1]:7000/4");
}

TEST(RedisUrl, RejectsWhatIsNotARedisUrlAndHidesThePassword) {
  for (const char* bad :
       {"http://h", "localhost:6379", "redis://", "redis://:pw@", "redis://h:0", "redis://h:65536",
        "redis://h:port", "redis://h:", "redis://h/db", "redis://h/-1", "redis://u:p%zz@h",
        "redis://u:p%4@h", "redis://h?timeout=1", "redis://[::1", "redis://[::1]x"}) {
    auto r = parse_redis_url(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, errc::rejected) << bad;
    EXPECT_NE(r.error().message.find("REDIS_URL"), std::string::npos) << r.error().message;
  }
  auto r = parse_redis_url("redis://app:topsecret@h:99999");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("topsecret"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("redis://app@h:99999"), std::string::npos) << r.error().message;
  r = parse_redis_url("redis://topsecret@h:x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("topsecret"), std::string::npos) << r.error().message;
}

TEST(RedisUrl, DescribedWithoutThePassword) {
  EXPECT_EQ(describe_redis_endpoint(parsed("rediss://app:pw@cache:6380/2")),
            "rediss://app@cache:6380/2");
  EXPECT_EQ(describe_redis_endpoint(parsed("redis://:pw@cache")), "redis://cache:6379/0");
}

}  // namespace
}  // namespace tokenflow::sinks
