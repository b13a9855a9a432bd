// The statistics service's HTTP and WebSocket API as a client sees it, against a real
// `tokenflow stats` process: the 400/401/404/429 paths with JSON errors, and a real WebSocket
// client (Boost.Beast's) that gets a snapshot on subscribing, updates after new swaps, and
// no more updates for a token after unsubscribing from it.
#include <boost/system/system_error.hpp>
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"
#include "support/ws_client.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
constexpr const char* kKey = "s3cret-key";
const std::map<std::string, std::string> kAuth = {{"Authorization", std::string("Bearer ") + kKey}};

// Swaps of `token` happening now (the service's clock follows the stream, so live swaps).
std::vector<core::Swap> live_swaps(const core::Address& token, int n, const std::string& tag) {
  std::vector<core::Swap> out;
  for (int i = 0; i < n; ++i) {
    core::Swap s;
    s.id.value = "0xlive_" + tag + "_" + token.to_string() + "_" + std::to_string(i);
    s.timestamp = core::now_millis();
    s.token = token;
    s.trader = test_token(500 + i);
    s.side = i % 2 ? core::SwapSide::sell : core::SwapSide::buy;
    s.amount = core::Uint256(1000);
    s.amount_usd.value = 1'500'000 + static_cast<std::uint64_t>(i);
    out.push_back(s);
  }
  return out;
}

class StatsApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    harness_ = new StatsHarness(3);
    port_ = free_loopback_port();
    stats_ = harness_
                 ->start_stats(port_, "api", "api-state",
                               {"--api-key", kKey, "--push-interval", "100ms", "--max-skew", "60s"},
                               "api.log")
                 .release();
    ASSERT_TRUE(harness_->wait_ready(port_, 60s, stats_)) << tail_of(*stats_);
  }
  static void TearDownTestSuite() {
    stats_->signal(SIGTERM);
    EXPECT_EQ(stats_->wait(30s), 0) << tail_of(*stats_);
    delete stats_;
    delete harness_;
  }
  // Waits until the token has `count` events in its 5m window.
  static bool wait_count(const core::Address& token, std::int64_t count) {
    const auto deadline = Clock::now() + 30s;
    while (Clock::now() < deadline) {
      auto answer = http_get(port_, "/v1/tokens/" + token.to_string() + "/stats", kAuth);
      if (answer.status == 200 && window_count(answer.body, "5m") >= count) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  static StatsHarness* harness_;
  static ChildProcess* stats_;
  static int port_;
};
StatsHarness* StatsApiTest::harness_ = nullptr;
ChildProcess* StatsApiTest::stats_ = nullptr;
int StatsApiTest::port_ = 0;

TEST_F(StatsApiTest, AnswersStatsAndTheErrorPathsWithJson) {
  const auto token = test_token(1);
  harness_->produce(live_swaps(token, 5, "http"));
  ASSERT_TRUE(wait_count(token, 5)) << tail_of(*stats_);
  const std::string target = "/v1/tokens/" + token.to_string() + "/stats";

  auto ok = http_get(port_, target, kAuth);
  ASSERT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.headers["X-Tokenflow-Partitions"].rfind("defi.swaps:", 0), 0u)
      << "the partition the answer comes from is in a header";
  for (const char* field : {"\"as_of\":", "\"5m\":{\"volume_usd\":\"7.50001\"",
                            "\"buys\":3", "\"sells\":2", "\"traders\":5", "\"1h\":", "\"24h\":"}) {
    EXPECT_NE(ok.body.find(field), std::string::npos) << field << " in " << ok.body;
  }
  auto top = http_get(port_, "/v1/tokens?window=1h&sort=count&limit=5", kAuth);
  EXPECT_EQ(top.status, 200u);
  EXPECT_NE(top.body.find(token.to_string()), std::string::npos) << top.body;

  // 401: no key, a wrong key; health needs none.
  EXPECT_EQ(http_get(port_, target).status, 401u);
  auto wrong = http_get(port_, target, {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_NE(wrong.body.find("\"error\":"), std::string::npos);
  EXPECT_EQ(http_get(port_, "/healthz").status, 200u);
  // 400: not an address, an unknown window, a bad limit or sort.
  for (const char* bad : {"/v1/tokens/0x12/stats", "/v1/tokens?window=2h", "/v1/tokens?limit=0",
                          "/v1/tokens?limit=abc", "/v1/tokens?sort=price"}) {
    auto answer = http_get(port_, bad, kAuth);
    EXPECT_EQ(answer.status, 400u) << bad;
    EXPECT_EQ(answer.body.rfind("{\"error\":\"", 0), 0u) << answer.body;
  }
  // 404: a token with no events, an unknown path.
  EXPECT_EQ(http_get(port_, "/v1/tokens/" + test_token(999).to_string() + "/stats", kAuth).status, 404u);
  EXPECT_EQ(http_get(port_, "/v2/nothing", kAuth).status, 404u);
  // Metrics name what the issue asks for.
  auto metrics = http_get(port_, "/metrics", kAuth);
  for (const char* name : {"tokenflow_stats_events_in_total", "tokenflow_stats_duplicates_total",
                           "tokenflow_stats_too_late_total", "tokenflow_stats_consumer_lag",
                           "tokenflow_stats_checkpoint_age_seconds",
                           "tokenflow_http_request_duration_seconds_bucket"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
  }
}

// Its own instance, limited to 2 requests/s (bursts of 2): any machine sends faster than
// that, and what gets through is checked against the allowance of the time it took, so the
// test holds however fast or slow the machine is.
TEST_F(StatsApiTest, RateLimitAnswers429PerClient) {
  constexpr double kRate = 2;
  const int port = free_loopback_port();
  auto limited = harness_->start_stats(port, "limited", "limited-state",
                                       {"--api-key", kKey, "--rate-limit", "2"}, "limited.log");
  ASSERT_TRUE(harness_->wait_ready(port, 60s, limited.get())) << tail_of(*limited);

  int passed = 0;
  HttpAnswer refused;
  const auto started = Clock::now();
  const bool was_refused = testing::wait_until(
      [&] {
        auto answer = http_get(port, "/v1/tokens?limit=1", kAuth);
        if (answer.status == 200) ++passed;
        if (answer.status != 429) return false;
        refused = std::move(answer);
        return true;
      },
      20s, 0ms);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  ASSERT_TRUE(was_refused) << passed << " requests in " << elapsed << " s, none refused";
  // The burst passes, then no more than the rate allows for the time taken.
  EXPECT_GE(passed, 2);
  EXPECT_LE(passed, 2 + kRate * elapsed) << "in " << elapsed << " s";
  EXPECT_EQ(refused.headers["Retry-After"], "1");
  EXPECT_EQ(refused.body.rfind("{\"error\":\"too many requests from 127.0.0.1", 0), 0u)
      << refused.body;
  // Per client: another address has an allowance of its own, and probes are never limited.
  EXPECT_EQ(http_get(port, "/v1/tokens?limit=1", kAuth, "127.0.0.2").status, 200u);
  EXPECT_EQ(http_get(port, "/healthz").status, 200u);
  // The allowance refills: the limited client gets in again (within its Retry-After, 1 s).
  EXPECT_TRUE(testing::wait_until(
      [&] { return http_get(port, "/v1/tokens?limit=1", kAuth).status == 200; }, 30s, 100ms));
  // Counted on /metrics (asked from a third address, which the limit leaves alone).
  const auto metrics = http_get(port, "/metrics", kAuth, "127.0.0.3");
  EXPECT_GE(metric_value(metrics.body, "tokenflow_http_rate_limited_total"), 1) << metrics.body;
  limited->signal(SIGTERM);
  EXPECT_EQ(limited->wait(30s), 0) << tail_of(*limited);
}

TEST_F(StatsApiTest, WebSocketPushesAfterSubscribingAndNoneAfterUnsubscribing) {
  const auto watched = test_token(2);
  const auto other = test_token(3);
  harness_->produce(live_swaps(watched, 1, "ws0"));
  harness_->produce(live_swaps(other, 1, "ws0"));
  ASSERT_TRUE(wait_count(watched, 1) && wait_count(other, 1)) << tail_of(*stats_);

  EXPECT_THROW(WsClient(port_, "wrong"), boost::system::system_error) << "401 on upgrade";
  WsClient client(port_, kKey);
  client.send("{\"op\":\"subscribe\",\"tokens\":[\"" + watched.to_string() + "\",\"" +
              other.to_string() + "\"]}");
  ASSERT_NE(client.until("\"type\":\"subscribed\"", 10s), "");
  auto snapshot = client.until("\"type\":\"snapshot\",\"token\":\"" + watched.to_string(), 10s);
  ASSERT_NE(snapshot, "") << "no snapshot at once";
  EXPECT_NE(snapshot.find("\"windows\":"), std::string::npos);

  // A new swap of the watched token: an update follows within a push interval or so.
  harness_->produce(live_swaps(watched, 2, "ws1"));
  auto update = client.until("\"type\":\"update\",\"token\":\"" + watched.to_string(), 10s);
  ASSERT_NE(update, "") << "no update after a new swap";
  EXPECT_NE(update.find("\"count\":3"), std::string::npos) << update;

  client.send("{\"op\":\"unsubscribe\",\"tokens\":[\"" + watched.to_string() + "\"]}");
  ASSERT_NE(client.until("\"type\":\"unsubscribed\"", 10s), "");
  const std::size_t before = client.seen().size();
  // Both tokens change: only the one still subscribed may be pushed.
  harness_->produce(live_swaps(watched, 2, "ws2"));
  harness_->produce(live_swaps(other, 2, "ws2"));
  ASSERT_TRUE(wait_count(watched, 5) && wait_count(other, 3));
  ASSERT_NE(client.until("\"type\":\"update\",\"token\":\"" + other.to_string(), 10s), "")
      << "pushes continue for the token still subscribed";
  client.until("never", 1500ms);  // collect whatever else comes
  for (std::size_t i = before; i < client.seen().size(); ++i) {
    EXPECT_EQ(client.seen()[i].find(watched.to_string()), std::string::npos)
        << "pushed after unsubscribing: " << client.seen()[i];
  }
  // A bad request gets an error and the connection stays usable.
  client.send("{\"op\":\"dance\",\"tokens\":[]}");
  EXPECT_NE(client.until("\"type\":\"error\"", 10s), "");
}

}  // namespace
}  // namespace tokenflow::testing
