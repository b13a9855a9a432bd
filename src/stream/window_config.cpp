#include "stream/window_config.hpp"

#include <algorithm>

#include "core/duration.hpp"
#include "stream/errc.hpp"

namespace tokenflow::stream {

core::Result<WindowConfig> WindowConfig::parse(const std::string& windows,
                                               const std::string& step) {
  auto parsed_step = core::parse_duration(step);
  if (!parsed_step.ok()) {
    return make_error(errc::invalid_windows, "BUCKET_STEP: " + parsed_step.error().message);
  }
  std::vector<std::chrono::milliseconds> lengths;
  std::size_t start = 0;
  while (start <= windows.size()) {
    std::size_t comma = windows.find(',', start);
    if (comma == std::string::npos) comma = windows.size();
    const std::string item = windows.substr(start, comma - start);
    if (!item.empty()) {
      auto length = core::parse_duration(item);
      if (!length.ok()) {
        return make_error(errc::invalid_windows, "WINDOWS: " + length.error().message);
      }
      lengths.push_back(*length);
    }
    start = comma + 1;
  }
  return make(std::move(lengths), *parsed_step);
}

core::Result<WindowConfig> WindowConfig::make(std::vector<std::chrono::milliseconds> lengths,
                                              std::chrono::milliseconds step) {
  // A bucket keeps event times as 32-bit millisecond offsets, and a 1 s floor keeps the
  // bucket count of a 24 h window reasonable.
  if (step < std::chrono::seconds(1) || step.count() > 0xffffffffLL) {
    return make_error(errc::invalid_windows, "BUCKET_STEP " + core::format_duration(step) +
                                                 " must be between 1s and 49d");
  }
  if (lengths.size() > kMaxWindows) {
    return make_error(errc::invalid_windows, "WINDOWS names " + std::to_string(lengths.size()) +
                                                 " windows; at most 16 are kept");
  }
  if (lengths.empty()) {
    return make_error(errc::invalid_windows, "WINDOWS names no window; e.g. WINDOWS=5m,1h,24h");
  }
  std::sort(lengths.begin(), lengths.end());
  WindowConfig config;
  config.step_ = step;
  for (const auto& length : lengths) {
    const std::string name = core::format_duration(length);
    if (length.count() % step.count() != 0) {
      return make_error(errc::invalid_windows,
                        "window " + name + " is not a whole number of BUCKET_STEP " +
                            core::format_duration(step) + "; choose a step that divides it");
    }
    if (!config.windows_.empty() && config.windows_.back().length == length) {
      return make_error(errc::invalid_windows, "window " + name + " is given twice");
    }
    config.windows_.push_back({name, length, length.count() / step.count()});
  }
  return config;
}

const Window* WindowConfig::find(std::string_view name) const {
  for (const auto& w : windows_) {
    if (w.name == name) return &w;
  }
  // Accept other spellings of the same length ("60m" for "1h").
  auto length = core::parse_duration(name);
  if (!length.ok()) return nullptr;
  for (const auto& w : windows_) {
    if (w.length == *length) return &w;
  }
  return nullptr;
}

}  // namespace tokenflow::stream
