// `tokenflow replay` of the statistics service's group: the service's figures live in its
// checkpoints, not in Kafka, so replay sets the affected partitions' checkpoints aside and
// the restarted service rebuilds them from the new position. Replayed to the earliest
// offset, it serves exactly the figures it had (every swap counted once, not twice); replayed
// to the latest, it starts empty.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>
#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kGroup = "replayed-stats";

std::map<int, std::string> answers(int port, int tokens) {
  std::map<int, std::string> out;
  for (int t = 0; t < tokens; ++t) {
    const auto answer = http_get(port, "/v1/tokens/" + test_token(t).to_string() + "/stats");
    out[t] = std::to_string(answer.status) + " " + answer.body;
  }
  return out;
}

CommandResult replay(StatsHarness& harness, const std::string& target) {
  return run_command({tokenflow_binary(), "replay", "--kafka-bootstrap", harness.bootstrap(),
                      "--group", kGroup, "--topic", kSwapsTopic, target, "--state-dir",
                      harness.path("state"), "--execute"},
                     60s);
}

TEST(StatsRebuildsAfterReplay, ToTheEarliestItServesTheSameFiguresToTheLatestNone) {
  StatsHarness harness(6);
  SwapStreamShape shape;
  shape.count = 6'000;
  shape.seed = 17;
  const auto swaps = make_swaps(shape);
  std::set<std::string> ids;
  for (const auto& s : swaps) ids.insert(s.id.value);
  const auto expected = static_cast<std::int64_t>(ids.size());
  harness.produce(swaps, 0);

  const int port = free_loopback_port();
  auto stats = harness.start_stats(port, kGroup, "state", {}, "first.log");
  ASSERT_TRUE(harness.wait_ready(port, 60s, stats.get())) << tail_of(*stats);
  ASSERT_TRUE(wait_until([&] { return total_count(port, shape.tokens) == expected; }, 90s))
      << tail_of(*stats);
  const auto before = answers(port, shape.tokens);
  stats->signal(SIGTERM);  // checkpoints every partition and commits on the way out
  ASSERT_EQ(stats->wait(30s), 0) << tail_of(*stats);

  auto earliest = replay(harness, "--to-earliest");
  ASSERT_EQ(earliest.exit_code, 0) << earliest.output;
  EXPECT_GE(count_lines_with(earliest.output, {"checkpoint set aside"}), 1u) << earliest.output;

  stats = harness.start_stats(port, kGroup, "state", {}, "after-earliest.log");
  ASSERT_TRUE(harness.wait_ready(port, 60s, stats.get())) << tail_of(*stats);
  ASSERT_TRUE(wait_until([&] { return total_count(port, shape.tokens) == expected; }, 90s))
      << tail_of(*stats);
  EXPECT_EQ(count_lines_with(stats->output(), {"reading it from offset 0 with an empty state"}),
            6u)
      << tail_of(*stats);
  std::this_thread::sleep_for(1s);  // a double count would show by now
  EXPECT_EQ(total_count(port, shape.tokens), expected);
  EXPECT_EQ(answers(port, shape.tokens), before);  // as_of included: the same clock
  stats->signal(SIGTERM);
  ASSERT_EQ(stats->wait(30s), 0) << tail_of(*stats);

  auto latest = replay(harness, "--to-latest");
  ASSERT_EQ(latest.exit_code, 0) << latest.output;
  stats = harness.start_stats(port, kGroup, "state", {}, "after-latest.log");
  ASSERT_TRUE(harness.wait_ready(port, 60s, stats.get())) << tail_of(*stats);
  std::this_thread::sleep_for(2s);
  for (const auto& [token, answer] : answers(port, shape.tokens)) {
    EXPECT_TRUE(answer.starts_with("404 ")) << "token " << token << ": " << answer;
  }
  stats->signal(SIGTERM);
  EXPECT_EQ(stats->wait(30s), 0) << tail_of(*stats);
}

}  // namespace
}  // namespace tokenflow::testing
