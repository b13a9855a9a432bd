// The stream clock: an instance's "now" is the highest event time it has seen on any of its
// partitions, never more than max_skew ahead of the wall clock (DESIGN.md). Taking the
// highest, not the lowest, means a quiet partition never holds the windows back; a replay
// of last week reads last week's figures, a live stream live ones.
//
// Events further ahead of the wall clock than max_skew cannot be placed (their bucket is in
// the future); the stats processor dead-letters them with a reason.
#pragma once

#include <algorithm>
#include <chrono>

#include "core/timestamp.hpp"

namespace tokenflow::stream {

inline core::UnixMillis stream_now(core::UnixMillis highest_event, core::UnixMillis wall,
                                   std::chrono::milliseconds max_skew) {
  return core::UnixMillis{std::min(highest_event.value, wall.value + max_skew.count())};
}

inline bool too_far_ahead(core::UnixMillis event, core::UnixMillis wall,
                          std::chrono::milliseconds max_skew) {
  return event.value > wall.value + max_skew.count();
}

}  // namespace tokenflow::stream
