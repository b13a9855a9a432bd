// CommitSequencer: batches written concurrently commit in the order they were read, and one
// failure stops every later batch from committing until the sink has reset.
#include "sinks/commit_sequencer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace tokenflow::sinks {
namespace {

TEST(CommitSequencer, CommitsInSequenceWhateverOrderTheWritersArrive) {
  CommitSequencer sequencer;
  std::mutex mutex;
  std::vector<std::uint64_t> order;
  std::vector<std::thread> writers;
  // Writers reach their gates in reverse order; the commits still come out 0, 1, 2, ...
  for (std::uint64_t s = 8; s-- > 0;) {
    writers.emplace_back([&, s] {
      ASSERT_TRUE(sequencer.wait_turn(s));
      {
        std::lock_guard lock(mutex);
        order.push_back(s);
      }
      sequencer.committed(s);
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(order, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(CommitSequencer, AFailureAbortsEveryLaterBatchUntilReset) {
  CommitSequencer sequencer;
  ASSERT_TRUE(sequencer.wait_turn(0));
  sequencer.committed(0);
  bool later_result = true;
  std::thread later([&] { later_result = sequencer.wait_turn(2); });  // waits for batch 1
  sequencer.failed();                                                 // batch 1 will never commit
  later.join();
  EXPECT_FALSE(later_result);
  EXPECT_FALSE(sequencer.wait_turn(1));  // nothing commits until the sink has reset

  sequencer.reset(5);  // batches 1..4 were dropped; the next one read is 5
  EXPECT_TRUE(sequencer.wait_turn(5));
  sequencer.committed(5);
  EXPECT_TRUE(sequencer.wait_turn(6));
}

// A batch whose predecessor never commits (say it waits for a table lock that another
// session queued behind this batch's own transaction) gives up after its patience, which
// breaks the sequence for everyone after it too.
TEST(CommitSequencer, PatienceBreaksAWaitThatWouldNeverEnd) {
  CommitSequencer sequencer;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(sequencer.wait_turn(1, std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(50));
  EXPECT_TRUE(sequencer.timed_out());
  EXPECT_FALSE(sequencer.wait_turn(0, std::chrono::milliseconds(50)));  // broken for all
  sequencer.reset(2);
  EXPECT_FALSE(sequencer.timed_out());
  EXPECT_TRUE(sequencer.wait_turn(2, std::chrono::milliseconds(50)));
}

TEST(CommitSequencer, ACommitOutOfTurnDoesNotMoveTheSequence) {
  CommitSequencer sequencer;
  sequencer.committed(3);  // not its turn: ignored
  EXPECT_TRUE(sequencer.wait_turn(0));
}

}  // namespace
}  // namespace tokenflow::sinks
