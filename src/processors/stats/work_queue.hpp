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

template <typename T>
class WorkQueue {
 public:
  explicit WorkQueue(std::size_t capacity, Backpressure policy)
      : capacity_(capacity), policy_(policy) {}

  // Queues `item` weighing `weight` messages. With block, waits while full (returns after
  // `waited` is set if it had to); with drop, returns false when full. Commands pass
  // weight 0 and always go in.
  bool push(T item, std::size_t weight, bool* waited = nullptr) {
    std::unique_lock lock(mutex_);
    if (weight > 0 && weight_ + weight > capacity_ && weight_ > 0) {
      if (policy_ == Backpressure::drop) return false;
      if (policy_ == Backpressure::block) {
        if (waited != nullptr) *waited = true;
        room_.wait(lock, [&] { return weight_ + weight <= capacity_ || weight_ == 0; });
      }
    }
    items_.push_back({std::move(item), weight});
    weight_ += weight;
    ready_.notify_one();
    return true;
  }

  // The next item, or nullopt after `timeout`.
  std::optional<T> pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !items_.empty(); })) return std::nullopt;
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

 private:
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
};

}  // namespace tokenflow::processors
