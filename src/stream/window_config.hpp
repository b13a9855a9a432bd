// WindowConfig: the sliding windows a statistics service keeps (WINDOWS=5m,1h,24h) and the
// bucket step they are made of (BUCKET_STEP=5s). A window W as of T is the W/step most
// recent buckets, the one holding T included (DESIGN.md, Token statistics).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/timestamp.hpp"

namespace tokenflow::stream {

struct Window {
  std::string name;  // as answers show it: "5m"
  std::chrono::milliseconds length;
  std::int64_t buckets = 0;  // length / step
};

class WindowConfig {
 public:
  static constexpr std::size_t kMaxWindows = 16;

  // `windows` as "5m,1h,24h" (any order; shown in ascending order), `step` as "5s".
  // Errors: errc::invalid_windows naming the window that is not a whole number of steps, a
  // step under 1 s or over 49 days, no window, or the same window twice.
  static core::Result<WindowConfig> parse(const std::string& windows, const std::string& step);
  static core::Result<WindowConfig> make(std::vector<std::chrono::milliseconds> windows,
                                         std::chrono::milliseconds step);

  const std::vector<Window>& windows() const { return windows_; }
  const Window& largest() const { return windows_.back(); }
  const Window* find(std::string_view name) const;
  std::chrono::milliseconds step() const { return step_; }
  std::int64_t step_ms() const { return step_.count(); }

  // Floor division, so instants before 1970 still land in the right bucket.
  std::int64_t bucket_of(core::UnixMillis t) const {
    const std::int64_t s = step_.count();
    return t.value >= 0 ? t.value / s : -((-t.value + s - 1) / s);
  }
  // The oldest bucket inside `window` as of the bucket holding the clock.
  static std::int64_t first_bucket(std::int64_t clock_bucket, const Window& window) {
    return clock_bucket - window.buckets + 1;
  }

 private:
  std::vector<Window> windows_;
  std::chrono::milliseconds step_{5000};
};

}  // namespace tokenflow::stream
