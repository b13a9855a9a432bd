// CommitSequencer: lets concurrent database sessions write batches at the same time while
// committing them strictly in the order they were read.
//
// Why: each batch stores the next offset of every partition it covers. If batch 8 committed
// before batch 7 and the process then died, the database would vouch for offsets past
// batch 7's rows, which were never stored. Committing in sequence keeps the stored
// positions a prefix of what was read, whatever the partitions' traffic looks like (a
// partition-per-session split would leave the hot token's partition to one session).
//
// A batch that fails breaks the sequence: every later batch still waiting for its turn is
// rolled back, and the sink resumes from the positions stored in the database (reset()).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tokenflow::sinks {

class CommitSequencer {
 public:
  // Blocks until `sequence` is next to commit (true) or an earlier batch failed (false).
  bool wait_turn(std::uint64_t sequence) {
    std::unique_lock lock(mutex_);
    turn_.wait(lock, [&] { return broken_ || next_ == sequence; });
    return !broken_;
  }

  // `sequence` committed: the next one may.
  void committed(std::uint64_t sequence) {
    {
      std::lock_guard lock(mutex_);
      if (sequence == next_) next_ = sequence + 1;
    }
    turn_.notify_all();
  }

  // `sequence` will never commit: no later batch may either, until reset().
  void failed() {
    {
      std::lock_guard lock(mutex_);
      broken_ = true;
    }
    turn_.notify_all();
  }

  // Every batch has finished; the next one read will carry `next`.
  void reset(std::uint64_t next) {
    std::lock_guard lock(mutex_);
    broken_ = false;
    next_ = next;
  }

 private:
  std::mutex mutex_;
  std::condition_variable turn_;
  std::uint64_t next_ = 0;
  bool broken_ = false;
};

}  // namespace tokenflow::sinks
