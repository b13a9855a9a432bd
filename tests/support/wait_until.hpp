// wait_until: polls a condition until it holds or a deadline passes, so that a test waits
// for what it is about to assert (a thread blocked, a log line written, a count reached)
// rather than for a fixed time that is too short on a loaded machine and wasted on a fast one.
#pragma once

#include <chrono>
#include <thread>

namespace tokenflow::testing {

// True as soon as `condition()` holds; false if it still does not once `timeout` has passed
// (it is tried one last time at the deadline). `condition` runs on the calling thread.
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace tokenflow::testing
