// Proves that `tokenflow stats` killed with SIGKILL at arbitrary moments while swaps are
// being published, and restarted each time, serves exactly the figures of an instance that
// was never interrupted: every token, every window, volumes, counts, traders, first and last
// event. Each restart restores the partitions' checkpoints and reads on from their offsets;
// duplicates and out-of-order events in the stream make the state worth getting right.
#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <set>
#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(StatsSurvivesSigkill, KilledThreeTimesMidStreamServesTheUninterruptedFigures) {
  StatsHarness harness(6);
  SwapStreamShape shape;
  shape.count = 24'000;
  shape.seed = 5;
  const auto swaps = make_swaps(shape);
  std::set<std::string> ids;
  for (const auto& s : swaps) ids.insert(s.id.value);

  const int reference_port = free_loopback_port();
  auto reference = harness.start_stats(reference_port, "reference", "reference-state", {},
                                       "reference.log");
  const int port = free_loopback_port();
  auto killed = harness.start_stats(port, "killed", "killed-state", {}, "killed-0.log");
  ASSERT_TRUE(harness.wait_ready(reference_port, 60s, reference.get())) << tail_of(*reference);
  ASSERT_TRUE(harness.wait_ready(port, 60s, killed.get())) << tail_of(*killed);

  std::thread producer([&] { harness.produce(swaps, 2000); });
  std::mt19937 rng(std::random_device{}());
  for (int kill = 1; kill <= 3; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution(1500, 3000)(rng)));
    ASSERT_TRUE(killed->running()) << tail_of(*killed);
    killed->signal(SIGKILL);
    ASSERT_EQ(killed->wait(10s), 128 + SIGKILL);
    killed = harness.start_stats(port, "killed", "killed-state", {},
                                 "killed-" + std::to_string(kill) + ".log");
  }
  producer.join();
  ASSERT_TRUE(harness.wait_ready(port, 60s, killed.get())) << tail_of(*killed);
  EXPECT_GE(count_lines_with(killed->output(), {"resumes at offset"}), 1u) << tail_of(*killed);

  // Both have read everything once every distinct swap is counted in the largest window
  // (the stream spans 20 minutes of event time, inside 24h; nothing is too late).
  auto total = [&](int at) { return total_count(at, shape.tokens); };
  const auto expected = static_cast<std::int64_t>(ids.size());
  const auto deadline = Clock::now() + 90s;
  while ((total(port) != expected || total(reference_port) != expected) && Clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_EQ(total(reference_port), expected) << tail_of(*reference);
  ASSERT_EQ(total(port), expected) << tail_of(*killed);
  for (int t = 0; t < shape.tokens; ++t) {
    const std::string target = "/v1/tokens/" + test_token(t).to_string() + "/stats";
    const auto want = http_get(reference_port, target);
    const auto got = http_get(port, target);
    ASSERT_EQ(want.status, 200u);
    EXPECT_EQ(got.body, want.body) << "token " << t;  // as_of included: same clock
  }
  reference->signal(SIGTERM);
  killed->signal(SIGTERM);
  EXPECT_EQ(reference->wait(30s), 0) << tail_of(*reference);
  EXPECT_EQ(killed->wait(30s), 0) << tail_of(*killed);
}

}  // namespace
}  // namespace tokenflow::testing
