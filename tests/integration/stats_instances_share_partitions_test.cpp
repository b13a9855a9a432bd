// Proves that two `tokenflow stats` instances in one consumer group, sharing one state
// directory, split the partitions between them, answer for exactly the tokens they own
// (the others are redirected: stats_instances_redirect_to_the_owner_test), and together give the totals of one instance
// reading everything; then that when one stops, the other takes its partitions over from
// the checkpoints and answers for every token as the single instance does.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(StatsInstancesSharePartitions, TwoInstancesCoverEveryTokenOnceAndHandOverOnStop) {
  StatsHarness harness(6);
  SwapStreamShape shape;
  shape.count = 12'000;
  shape.seed = 9;
  shape.tokens = 40;
  const auto swaps = make_swaps(shape);
  std::set<std::string> ids;
  for (const auto& s : swaps) ids.insert(s.id.value);
  const auto expected = static_cast<std::int64_t>(ids.size());

  const int single_port = free_loopback_port();
  auto single = harness.start_stats(single_port, "single", "single-state", {}, "single.log");
  const int a_port = free_loopback_port();
  const int b_port = free_loopback_port();
  auto a = harness.start_stats(a_port, "shared", "shared-state", {}, "a.log");
  auto b = harness.start_stats(b_port, "shared", "shared-state", {}, "b.log");
  ASSERT_TRUE(harness.wait_ready(single_port, 60s, single.get())) << tail_of(*single);
  ASSERT_TRUE(harness.wait_ready(a_port, 60s, a.get())) << tail_of(*a);
  ASSERT_TRUE(harness.wait_ready(b_port, 60s, b.get())) << tail_of(*b);
  harness.produce(swaps, 4000);

  struct Seen {
    std::int64_t count = 0;
    int owners = 0;
  };
  auto survey = [&](std::vector<int> ports) {
    std::vector<Seen> seen(static_cast<std::size_t>(shape.tokens));
    for (int t = 0; t < shape.tokens; ++t) {
      for (int port : ports) {
        auto answer = http_get(port, "/v1/tokens/" + test_token(t).to_string() + "/stats");
        if (answer.status == 200) {
          seen[static_cast<std::size_t>(t)].count += window_count(answer.body, "24h");
          ++seen[static_cast<std::size_t>(t)].owners;
        }
      }
    }
    return seen;
  };
  auto sum = [](const std::vector<Seen>& seen) {
    std::int64_t s = 0;
    for (const auto& x : seen) s += x.count;
    return s;
  };
  auto deadline = Clock::now() + 90s;
  while ((sum(survey({single_port})) != expected || sum(survey({a_port, b_port})) != expected) &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
  }
  const auto both = survey({a_port, b_port});
  const auto one = survey({single_port});
  ASSERT_EQ(sum(one), expected) << tail_of(*single);
  ASSERT_EQ(sum(both), expected) << tail_of(*a) << tail_of(*b);
  int answered_by_a = 0;
  for (int t = 0; t < shape.tokens; ++t) {
    EXPECT_EQ(both[static_cast<std::size_t>(t)].owners, 1) << "token " << t << " must have one owner";
    EXPECT_EQ(both[static_cast<std::size_t>(t)].count, one[static_cast<std::size_t>(t)].count) << "token " << t;
    if (http_get(a_port, "/v1/tokens/" + test_token(t).to_string() + "/stats").status == 200) ++answered_by_a;
  }
  EXPECT_GT(answered_by_a, 0);
  EXPECT_LT(answered_by_a, shape.tokens) << "both instances should own partitions";

  // B leaves (its revocation writes final checkpoints); A restores them and owns every token.
  b->signal(SIGTERM);
  ASSERT_EQ(b->wait(30s), 0) << tail_of(*b);
  deadline = Clock::now() + 60s;
  while (sum(survey({a_port})) != expected && Clock::now() < deadline) std::this_thread::sleep_for(500ms);
  ASSERT_EQ(sum(survey({a_port})), expected) << tail_of(*a);
  EXPECT_GE(count_lines_with(a->output(), {"resumes at offset"}), 1u) << tail_of(*a);
  for (int t = 0; t < shape.tokens; ++t) {
    const std::string target = "/v1/tokens/" + test_token(t).to_string() + "/stats";
    EXPECT_EQ(http_get(a_port, target).body, http_get(single_port, target).body) << "token " << t;
  }
  a->signal(SIGTERM);
  single->signal(SIGTERM);
  EXPECT_EQ(a->wait(30s), 0);
  EXPECT_EQ(single->wait(30s), 0);
}

}  // namespace
}  // namespace tokenflow::testing
