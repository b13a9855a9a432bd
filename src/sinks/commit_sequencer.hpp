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

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tokenflow::sinks {

class CommitSequencer {
 public:
  // Blocks until `sequence` is next to commit (true), or an earlier batch failed or
  // `patience` ran out (false; the sequence is then broken). The bound breaks waits no
  // database can see: an earlier batch queued for a table lock behind another session's
  // request (DDL, LOCK TABLE) which itself waits for this batch's open transaction.
  bool wait_turn(std::uint64_t sequence,
                 std::chrono::milliseconds patience = std::chrono::milliseconds::max()) {
    std::unique_lock lock(mutex_);
    auto ready = [&] { return broken_ || next_ == sequence; };
    if (patience == std::chrono::milliseconds::max()) {
      turn_.wait(lock, ready);
    } else if (!turn_.wait_for(lock, patience, ready)) {
      broken_ = true;
      timed_out_ = true;
      lock.unlock();
      turn_.notify_all();
      return false;
    }
    return !broken_;
  }

  // Whether the sequence broke because a batch waited longer than its patience.
  bool timed_out() const {
    std::lock_guard lock(mutex_);
    return timed_out_;
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
    timed_out_ = false;
    next_ = next;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable turn_;
  std::uint64_t next_ = 0;
  bool broken_ = false;
  bool timed_out_ = false;
};

}  // namespace tokenflow::sinks
