#include "cli/stats_query.hpp"

#include <gtest/gtest.h>

#include "http/errc.hpp"

namespace tokenflow::cli {
namespace {

const stream::WindowConfig& windows() {
  static const stream::WindowConfig config = *stream::WindowConfig::parse("5m,1h,24h", "5s");
  return config;
}

TEST(StatsQuery, ReadsEachEndpoint) {
  auto stats = parse_stats_query(
      "/v1/tokens/0xdAC17F958D2ee523a2206206994597C13D831ec7/stats?api_key=k", windows());
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->endpoint, StatsQuery::Endpoint::token_stats);
  EXPECT_EQ(stats->token.to_string(), "0xdac17f958d2ee523a2206206994597c13d831ec7");
  EXPECT_EQ(parse_stats_query("/healthz?x", windows())->endpoint, StatsQuery::Endpoint::healthz);
  EXPECT_EQ(parse_stats_query("/readyz", windows())->endpoint, StatsQuery::Endpoint::readyz);
  EXPECT_EQ(parse_stats_query("/metrics", windows())->endpoint, StatsQuery::Endpoint::metrics);

  auto top = parse_stats_query("/v1/tokens?window=1h&sort=count&limit=5", windows());
  ASSERT_TRUE(top.ok()) << top.error().message;
  EXPECT_EQ(top->endpoint, StatsQuery::Endpoint::top_tokens);
  EXPECT_EQ(top->window->name, "1h");
  EXPECT_EQ(top->sort, processors::SortKey::count);
  EXPECT_EQ(top->limit, 5u);
  auto defaults = parse_stats_query("/v1/tokens/", windows());
  ASSERT_TRUE(defaults.ok()) << defaults.error().message;
  EXPECT_EQ(defaults->window->name, "5m");
  EXPECT_EQ(defaults->sort, processors::SortKey::volume);
  EXPECT_EQ(defaults->limit, StatsQuery::kDefaultLimit);
}

TEST(StatsQuery, RefusesWithTheCodeOfItsStatusAndASentence) {
  for (const char* bad : {"/v1/tokens/0x12/stats", "/v1/tokens//stats", "/v1/tokens?window=2h",
                          "/v1/tokens?limit=0", "/v1/tokens?limit=1001", "/v1/tokens?limit=abc",
                          "/v1/tokens?limit=99999999999999999999999", "/v1/tokens?sort=price"}) {
    auto query = parse_stats_query(bad, windows());
    ASSERT_FALSE(query.ok()) << bad;
    EXPECT_EQ(query.error().code, http::errc::bad_request) << bad;
    EXPECT_FALSE(query.error().message.empty()) << bad;
  }
  for (const char* unknown : {"/v2/nothing", "/v1/tokens/stats", "/v1/stream", "", "?"}) {
    auto query = parse_stats_query(unknown, windows());
    ASSERT_FALSE(query.ok()) << unknown;
    EXPECT_EQ(query.error().code, http::errc::not_found) << unknown;
  }
  EXPECT_NE(
      parse_stats_query("/v1/tokens?window=2h", windows()).error().message.find("5m, 1h, 24h"),
      std::string::npos);
}

}  // namespace
}  // namespace tokenflow::cli
