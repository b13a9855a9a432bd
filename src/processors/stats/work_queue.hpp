// WorkQueue: the bounded hand-over between the consumer thread (which polls Kafka) and the
// aggregator thread (which owns the windows), with the --backpressure policy applied when it
// is full: block (the consumer waits, so Kafka holds the backlog: the default), drop (the
// batch is refused and the caller counts it), buffer (no bound: memory grows instead).
// Commands (checkpoint, assign, revoke) always go in, in order with the messages.
//
// Thread-safe: one producer thread, one consumer thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace tokenflow::processors {

enum class Backpressure { block, drop, buffer };

// What push() did: the caller counts waits and drops (StatsProbe).
enum class Pushed { queued, waited, dropped };

template <typename T>
class WorkQueue {
 public:
  explicit WorkQueue(std::size_t capacity, Backpressure policy)
      : capacity_(capacity), policy_(policy) {}

  // Queues `item` weighing `weight` messages. Full means the item would take the queue past
  // its capacity while something is queued (so an item heavier than the capacity still goes
  // into an empty queue). When full, block waits for room (`waited`), drop refuses the item
  // (`dropped`: it is destroyed, not queued), buffer queues it anyway. Commands pass weight 0
  // and always go in at once.
  Pushed push(T item, std::size_t weight) {
    std::unique_lock lock(mutex_);
    Pushed result = Pushed::queued;
    if (weight > 0 && full_for(weight)) {
      if (policy_ == Backpressure::drop) return Pushed::dropped;
      if (policy_ == Backpressure::block) {
        result = Pushed::waited;
        ++waiting_pushes_;
        room_.wait(lock, [&] { return !full_for(weight); });
        --waiting_pushes_;
      }
    }
    items_.push_back({std::move(item), weight});
    weight_ += weight;
    ready_.notify_one();
    return result;
  }

  // The next item, or nullopt after `timeout`.
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    ++waiting_pops_;
    const bool ready = ready_.wait_for(lock, timeout, [&] { return !items_.empty(); });
    --waiting_pops_;
    if (!ready) return std::nullopt;
    Entry entry = std::move(items_.front());
    items_.pop_front();
    weight_ -= entry.weight;
    room_.notify_all();
    return std::move(entry.item);
  }

  std::size_t weight() const {
    std::lock_guard lock(mutex_);
    return weight_;
  }

  // Threads inside push() waiting for room, and inside pop() waiting for an item: what a
  // test (or a stuck-pipeline diagnosis) looks at to know a thread is held, not merely slow.
  std::size_t waiting_pushes() const {
    std::lock_guard lock(mutex_);
    return waiting_pushes_;
  }
  std::size_t waiting_pops() const {
    std::lock_guard lock(mutex_);
    return waiting_pops_;
  }

 private:
  bool full_for(std::size_t weight) const { return weight_ > 0 && weight_ + weight > capacity_; }

  struct Entry {
    T item;
    std::size_t weight;
  };
  std::size_t capacity_;
  Backpressure policy_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<Entry> items_;
  std::size_t weight_ = 0;
  std::size_t waiting_pushes_ = 0;
  std::size_t waiting_pops_ = 0;
};

}  // namespace tokenflow::processors
