// UnixMillis: an instant as milliseconds since the unix epoch, UTC. Events carry their time
// as ISO-8601 UTC ("2024-06-01T11:59:57Z", fractions and "+hh:mm" offsets accepted) or unix
// seconds; both parse to this one type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::core {

struct UnixMillis {
  std::int64_t value = 0;
  friend auto operator<=>(const UnixMillis&, const UnixMillis&) = default;
};

// Years 1970..9999 are all any chain has; bounding them keeps every sum in range.
inline constexpr std::int64_t kMaxUnixSeconds = 253402300799;  // 9999-12-31T23:59:59Z

// Unix seconds, as decimal text ("1717243197", optionally with a fraction "1717243197.5").
Result<UnixMillis> parse_unix_seconds(std::string_view text);
// ISO-8601: date 'T' or ' ' time, optional fraction, then 'Z', '+hh:mm', '+hhmm', '+hh'
// or nothing (taken as UTC, which is how indexers such as Hasura print `timestamp`).
Result<UnixMillis> parse_iso8601(std::string_view text);
// Either form: digits only (with an optional fraction) is unix seconds, else ISO-8601.
Result<UnixMillis> parse_timestamp(std::string_view text);
// The same rules without building an error: false (and `out` unchanged) on any rejection.
// For hot paths, which call parse_timestamp() only to explain a rejection.
bool try_parse_timestamp(std::string_view text, UnixMillis& out) noexcept;

// "2024-06-01T11:59:57Z", or "2024-06-01T11:59:57.250Z" when there are milliseconds.
// Writes at most kIsoMaxSize characters to `out` and returns how many. No allocation.
inline constexpr std::size_t kIsoMaxSize = 24;
std::size_t write_iso8601(UnixMillis t, char* out);
std::string to_iso8601(UnixMillis t);

UnixMillis now_millis();

}  // namespace tokenflow::core
