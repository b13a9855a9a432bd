// The hand-over between the stats consumer and its aggregator under each --backpressure
// policy: block waits for room (and says so, so it is counted), drop refuses what does not
// fit (and says so), buffer never refuses; commands always go in, in order.
#include "processors/stats/work_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>

#include "support/wait_until.hpp"

namespace tokenflow::processors {
namespace {

using namespace std::chrono_literals;

// Pops everything queued now, in order.
std::vector<std::string> drain(WorkQueue<std::string>& queue) {
  std::vector<std::string> out;
  while (auto item = queue.pop(0ms)) out.push_back(std::move(*item));
  return out;
}

TEST(WorkQueue, BlockWaitsForRoomAndSaysItWaited) {
  WorkQueue<std::string> queue(3, Backpressure::block);
  EXPECT_EQ(queue.push("a", 2), Pushed::queued);
  EXPECT_EQ(queue.push("b", 1), Pushed::queued);  // exactly full
  std::atomic<bool> returned{false};
  auto pusher = std::async(std::launch::async, [&] {
    const Pushed pushed = queue.push("c", 2);
    returned.store(true);
    return pushed;
  });
  // Held inside push() (not merely slow to get there), and held until there is room.
  ASSERT_TRUE(testing::wait_until([&] { return queue.waiting_pushes() == 1; }, 10s))
      << "a push into a full queue must wait (returned: " << returned.load() << ")";
  EXPECT_FALSE(returned.load());
  EXPECT_EQ(queue.weight(), 3u);
  // A command never waits, even while a batch does.
  EXPECT_EQ(queue.push("command", 0), Pushed::queued);
  // Taking "a" (weight 2) leaves 1 + 2 <= 3: room for "c".
  EXPECT_EQ(queue.pop(1s), "a");
  ASSERT_EQ(pusher.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(pusher.get(), Pushed::waited);
  EXPECT_EQ(queue.weight(), 3u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"b", "command", "c"}));
  EXPECT_EQ(queue.weight(), 0u);
}

TEST(WorkQueue, BlockLetsABatchHeavierThanTheBoundIntoAnEmptyQueue) {
  WorkQueue<std::string> queue(2, Backpressure::block);
  EXPECT_EQ(queue.push("huge", 10), Pushed::queued);  // else it could never go in
  EXPECT_EQ(queue.pop(1s), "huge");
}

TEST(WorkQueue, DropRefusesWhatDoesNotFitAndKeepsTheRest) {
  WorkQueue<std::string> queue(3, Backpressure::drop);
  EXPECT_EQ(queue.push("a", 2), Pushed::queued);
  EXPECT_EQ(queue.push("b", 2), Pushed::dropped);  // 4 > 3: refused at once, never waits
  EXPECT_EQ(queue.push("c", 1), Pushed::queued);   // 3 fits
  EXPECT_EQ(queue.push("d", 1), Pushed::dropped);
  EXPECT_EQ(queue.push("skipped offsets", 0), Pushed::queued);  // commands always go in
  EXPECT_EQ(queue.weight(), 3u);
  EXPECT_EQ(drain(queue), (std::vector<std::string>{"a", "c", "skipped offsets"}));
  // Room again once the aggregator caught up.
  EXPECT_EQ(queue.push("e", 3), Pushed::queued);
  EXPECT_EQ(queue.push("f", 10), Pushed::dropped);
}

TEST(WorkQueue, BufferNeverRefusesNorWaits) {
  WorkQueue<std::string> queue(1, Backpressure::buffer);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(queue.push(std::to_string(i), 7), Pushed::queued) << i;
  }
  EXPECT_EQ(queue.weight(), 7000u);
  const auto all = drain(queue);
  ASSERT_EQ(all.size(), 1000u);
  EXPECT_EQ(all.front(), "0");
  EXPECT_EQ(all.back(), "999");
}

TEST(WorkQueue, PopTimesOutWhenEmptyAndWakesForAPush) {
  WorkQueue<std::string> queue(4, Backpressure::block);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.pop(50ms));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
  EXPECT_EQ(queue.waiting_pops(), 0u);
  // A pop waiting far longer than the test may take: only the push can end its wait.
  auto popper = std::async(std::launch::async, [&] { return queue.pop(24h); });
  ASSERT_TRUE(testing::wait_until([&] { return queue.waiting_pops() == 1; }, 10s));
  queue.push("x", 1);
  ASSERT_EQ(popper.wait_for(10s), std::future_status::ready) << "the push did not wake the pop";
  EXPECT_EQ(popper.get(), "x");
}

}  // namespace
}  // namespace tokenflow::processors
