// Proves that any instance of a statistics group answers for any token: two instances fed by
// a foreign producer (kcat) each answer the tokens they hold and redirect (307) the others to
// the instance holding them, so a client behind a plain load balancer gets every token's
// answer equal to a single instance's; a WebSocket client following the redirect messages
// gets every snapshot; and after one instance is SIGKILLed, the directory is right again
// within seconds: the survivor answers every token itself, and no client is sent to the dead
// instance.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/ws_client.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string target_of(int t) { return "/v1/tokens/" + test_token(t).to_string() + "/stats"; }

// How a set of instances answers every token, against the single instance's answers. An
// instance's clock is the newest event of its own partitions, so two instances splitting the
// partitions answer as of other instants than one holding them all: with `whole` the answer
// must be byte-equal, else its 24h figures (every swap of the stream is inside 24h) equal.
struct Survey {
  int right = 0;           // tokens answered directly by exactly one, redirected to it by the others
  int through_every = 0;   // tokens whose answer, redirects followed, is right from every port
  std::string first_wrong;
};

Survey survey(const std::vector<int>& ports, int tokens, int single_port, bool whole) {
  Survey out;
  for (int t = 0; t < tokens; ++t) {
    const auto want = http_get(single_port, target_of(t));
    const auto same = [&](const HttpAnswer& answer) {
      if (answer.status != 200) return false;
      if (whole) return answer.body == want.body;
      return window_figures(answer.body, "24h") == window_figures(want.body, "24h");
    };
    int owner = -1, owners = 0, redirects = 0;
    for (int port : ports) {
      const auto answer = http_get(port, target_of(t));
      if (same(answer)) {
        owner = port;
        ++owners;
      } else if (answer.status == 307) {
        ++redirects;
      }
    }
    bool redirected_to_owner = owners == 1 && redirects == static_cast<int>(ports.size()) - 1;
    for (int port : ports) {
      if (port == owner || !redirected_to_owner) continue;
      auto answer = http_get(port, target_of(t));
      redirected_to_owner = loopback_port_of(answer.headers["Location"]) == owner;
    }
    if (redirected_to_owner) {
      ++out.right;
    } else if (out.first_wrong.empty()) {
      out.first_wrong = "token " + std::to_string(t) + ": " + std::to_string(owners) +
                        " direct answers, " + std::to_string(redirects) + " redirects";
    }
    bool every = want.status == 200;
    for (int port : ports) every = every && same(http_get_following(port, target_of(t)));
    out.through_every += every;
  }
  return out;
}

TEST(StatsDirectory, AnyInstanceAnswersEveryTokenAndTheDirectoryHealsAfterSigkill) {
  StatsHarness harness(6);
  SwapStreamShape shape;
  shape.count = 12'000;
  shape.seed = 5;
  shape.tokens = 30;
  const auto swaps = make_swaps(shape);
  std::set<std::string> ids;
  for (const auto& s : swaps) ids.insert(s.id.value);
  const auto expected = static_cast<std::int64_t>(ids.size());
  harness.produce_with_kcat(swaps, kSwapsTopic, "gzip");

  const int single_port = free_loopback_port();
  const int a_port = free_loopback_port();
  const int b_port = free_loopback_port();
  auto single = harness.start_stats(single_port, "single", "single-state", {}, "single.log");
  auto a = harness.start_stats(a_port, "shared", "shared-state", {}, "a.log");
  auto b = harness.start_stats(b_port, "shared", "shared-state", {}, "b.log");
  ASSERT_TRUE(harness.wait_ready(single_port, 60s, single.get())) << tail_of(*single);
  ASSERT_TRUE(harness.wait_ready(a_port, 60s, a.get())) << tail_of(*a);
  ASSERT_TRUE(harness.wait_ready(b_port, 60s, b.get())) << tail_of(*b);
  auto deadline = Clock::now() + 60s;
  while (total_count(single_port, shape.tokens) != expected && Clock::now() < deadline) {
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_EQ(total_count(single_port, shape.tokens), expected) << tail_of(*single);

  Survey both;
  deadline = Clock::now() + 60s;
  do {
    both = survey({a_port, b_port}, shape.tokens, single_port, false);
  } while (both.right != shape.tokens && Clock::now() < deadline &&
           (std::this_thread::sleep_for(250ms), true));
  ASSERT_EQ(both.right, shape.tokens) << both.first_wrong << tail_of(*a) << tail_of(*b);
  EXPECT_EQ(both.through_every, shape.tokens);
  int held_by_a = 0;
  for (int t = 0; t < shape.tokens; ++t) held_by_a += http_get(a_port, target_of(t)).status == 200;
  ASSERT_GT(held_by_a, 0) << "both instances must hold tokens for redirects to be tested";
  ASSERT_LT(held_by_a, shape.tokens);

  // A WebSocket client of A: snapshots for A's tokens, a redirect for each of B's, and
  // following it gives the snapshot there.
  {
    WsClient client(a_port, "");
    std::string subscribe = "{\"op\":\"subscribe\",\"tokens\":[";
    for (int t = 0; t < shape.tokens; ++t) {
      subscribe += (t ? ",\"" : "\"") + test_token(t).to_string() + "\"";
    }
    client.send(subscribe + "]}");
    ASSERT_NE(client.until("\"type\":\"subscribed\"", 10s), "");
    int snapshots = 0, redirects_followed = 0;
    for (int i = 0; i < shape.tokens; ++i) {
      const std::string message = client.next(10s);
      ASSERT_NE(message, "") << "message " << i;
      const auto token = message.substr(message.find("\"token\":\"") + 9, 42);
      const auto want =
          window_figures(http_get(single_port, "/v1/tokens/" + token + "/stats").body, "24h");
      if (message.find("\"type\":\"snapshot\"") == 1) {
        EXPECT_EQ(window_figures(message, "24h"), want) << message;
        ++snapshots;
        continue;
      }
      ASSERT_NE(message.find("\"type\":\"redirect\""), std::string::npos) << message;
      const auto url_at = message.find("\"url\":\"") + 7;
      const std::string url = message.substr(url_at, message.find('"', url_at) - url_at);
      EXPECT_EQ(url, "ws://127.0.0.1:" + std::to_string(b_port) + "/v1/stream");
      auto there = WsClient::to_url(url);
      there->send("{\"op\":\"subscribe\",\"tokens\":[\"" + token + "\"]}");
      const std::string snapshot = there->until("\"type\":\"snapshot\"", 10s);
      ASSERT_NE(snapshot, "") << "no snapshot from " << url << " for " << token;
      EXPECT_EQ(window_figures(snapshot, "24h"), want) << snapshot;
      ++redirects_followed;
    }
    EXPECT_EQ(snapshots, held_by_a);
    EXPECT_EQ(redirects_followed, shape.tokens - held_by_a);
  }

  // B dies without a word: after the group's session timeout A takes its partitions over
  // from the checkpoints, announces them, and answers everything itself.
  b->signal(SIGKILL);
  ASSERT_TRUE(b->wait(10s).has_value());
  const auto killed = Clock::now();
  Survey alone;
  deadline = killed + 60s;
  do {
    alone = survey({a_port}, shape.tokens, single_port, true);
  } while (alone.right != shape.tokens && Clock::now() < deadline &&
           (std::this_thread::sleep_for(250ms), true));
  const double healed_s = std::chrono::duration<double>(Clock::now() - killed).count();
  ASSERT_EQ(alone.right, shape.tokens) << alone.first_wrong << tail_of(*a);
  std::printf("directory right again %.1f s after the SIGKILL (session timeout 6 s)\n", healed_s);
  EXPECT_LT(healed_s, 30.0);

  a->signal(SIGTERM);
  single->signal(SIGTERM);
  EXPECT_EQ(a->wait(30s), 0);
  EXPECT_EQ(single->wait(30s), 0);
}

}  // namespace
}  // namespace tokenflow::testing
