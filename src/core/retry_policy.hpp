// RetryPolicy: how long to wait before the next attempt at something that failed for a
// reason that may pass (a database restarting, a broker down, an indexer answering 503).
// Exponential backoff with full jitter, capped; `max_attempts` 0 retries until stopped.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace tokenflow::core {

struct RetryPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds cap{10'000};
  double multiplier = 2.0;
  std::uint32_t max_attempts = 0;  // 0: no limit

  // Delay before retry number `attempt` (1 = the first retry): a random duration in
  // [base/2, base] where base = min(cap, initial * multiplier^(attempt-1)). Half of the
  // delay is jitter, so many clients that failed together do not retry together.
  template <typename Rng>
  std::chrono::milliseconds delay(std::uint32_t attempt, Rng& rng) const {
    double base = static_cast<double>(initial.count());
    for (std::uint32_t i = 1; i < attempt && base < static_cast<double>(cap.count()); ++i) {
      base *= multiplier;
    }
    base = std::min(base, static_cast<double>(cap.count()));
    std::uniform_real_distribution<double> jitter(base / 2, base);
    return std::chrono::milliseconds(static_cast<std::int64_t>(jitter(rng)));
  }

  bool gives_up_after(std::uint32_t attempt) const {
    return max_attempts != 0 && attempt >= max_attempts;
  }
};

}  // namespace tokenflow::core
