// The price poller's memory between runs (--state-file): per source and asset, the timestamp
// of the last tick Kafka acknowledged. With it, `produce prices --once` from cron does not
// publish again a price whose source timestamp has not moved. Written atomically
// (sources/atomic_file), only after the cycle's ticks were acknowledged.
//
// Format (JSON): {"version":1,"last_published":{"coingecko":{"usd-coin":1717000000000}},
// "updated_at":"2024-06-01T12:00:00Z"} (unix milliseconds, the tick id's timestamp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/result.hpp"

namespace tokenflow::sources {

// source name -> asset id -> unix milliseconds of the last tick published.
using PublishedTimestamps =
    std::map<std::string, std::map<std::string, std::int64_t, std::less<>>, std::less<>>;

// Empty if the file does not exist. Errors: errc::corrupt_state (not this format, saying
// what to do), errc::io_error (unreadable).
core::Result<PublishedTimestamps> load_price_state(const std::string& path);

// Errors: errc::io_error naming the path and the system's reason.
core::Result<void> save_price_state(const std::string& path, const PublishedTimestamps& state);

}  // namespace tokenflow::sources
