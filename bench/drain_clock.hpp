// time_drain: runs a sink over a backlog already in Kafka until it stops by itself (its
// --max-records), and times it from its first consumed message to its return, so the group
// join before the first message is not counted. For the benches that drain a backlog through
// the real EventSink (price_history_bench, redis_sink_bench).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "bench_support.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"

namespace tokenflow::bench {

// Seconds from the sink's first consumed message to its return; fails the bench (naming
// `what`) on an error, or if nothing was consumed within `limit`.
template <class Sink>
double time_drain(Sink& sink, const std::string& what,
                  std::chrono::seconds limit = std::chrono::seconds(300)) {
  using Clock = std::chrono::steady_clock;
  core::StopSignal stop;
  std::atomic<bool> finished{false};
  core::Result<void> outcome = core::success();
  std::thread runner([&] {
    outcome = sink.run(stop);
    finished.store(true, std::memory_order_release);
  });
  Clock::time_point start{};
  const auto deadline = Clock::now() + limit;
  while (!finished.load(std::memory_order_acquire) && Clock::now() < deadline) {
    if (start == Clock::time_point{} && sink.probe().consumed.get() > 0) start = Clock::now();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  const auto end = Clock::now();
  stop.request();
  runner.join();
  if (!outcome.ok()) fail(what + ": " + outcome.error().message);
  if (start == Clock::time_point{}) {
    fail(what + ": consumed nothing in " + std::to_string(limit.count()) + " s");
  }
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace tokenflow::bench
