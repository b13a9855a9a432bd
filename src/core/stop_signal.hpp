// StopSignal: the "please finish and exit" flag every long-running loop checks. The cli sets
// it from SIGINT/SIGTERM (an atomic store is async-signal-safe); loops finish their current
// batch and return. wait_for() sleeps but wakes early when a stop is requested.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

namespace tokenflow::core {

class StopSignal {
 public:
  void request() noexcept { requested_.store(true, std::memory_order_relaxed); }
  bool requested() const noexcept { return requested_.load(std::memory_order_relaxed); }

  // Sleeps up to `duration`; returns false if a stop was requested meanwhile.
  bool wait_for(std::chrono::milliseconds duration) const {
    auto deadline = std::chrono::steady_clock::now() + duration;
    while (!requested()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return true;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          deadline - now, std::chrono::milliseconds(50)));
    }
    return false;
  }

 private:
  std::atomic<bool> requested_{false};
};

}  // namespace tokenflow::core
