// Durations as people write them in flags and environment variables: "250ms", "5s", "5m",
// "1h", "24h", "7d" (one number, one unit). Used for WINDOWS, BUCKET_STEP and the intervals.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::core {

// Errors: errc::out_of_range (zero, negative or over 10 years) or errc::not_a_number, with
// the text and the accepted forms in the message.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// The shortest exact form up to hours: 300000 -> "5m", 86400000 -> "24h", 1500 -> "1500ms".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace tokenflow::core
