// librdkafka takes timeouts as int milliseconds; this converts a duration without
// overflowing (negative becomes 0, "forever"-sized becomes INT_MAX).
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>

namespace tokenflow::kafka {

inline int to_timeout_ms(std::chrono::milliseconds d) noexcept {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(d.count(), 0, INT_MAX));
}

}  // namespace tokenflow::kafka
