// A replay plan: for each partition of a consumer group, where it reads now, where it will
// read after `tokenflow replay`, and what that costs (messages read again or skipped, time
// and blocks rewound). Built by the replay command from the cluster's answers, printed as a
// table by a dry run, applied by --execute.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tokenflow::ops {

enum class ReplayTo { earliest, latest, offset, time, shift, block };

struct ReplayTarget {
  ReplayTo to = ReplayTo::earliest;
  std::int64_t value = 0;  // the offset, unix ms, shift (±) or block
};

struct PartitionMove {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t log_start = 0;
  std::int64_t log_end = 0;
  std::optional<std::int64_t> committed;  // Kafka's committed offset
  std::optional<std::int64_t> stored;     // the sink's position in its database
  std::int64_t wanted = 0;                // what the target asked for, before clamping
  std::int64_t next = 0;                  // the new position, within [log_start, log_end]
  // The messages' timestamps at the current and the new position (ms), when known.
  std::optional<std::int64_t> current_time_ms;
  std::optional<std::int64_t> next_time_ms;
  // The blocks of the messages at the current and the new position, when they name one.
  std::optional<std::int64_t> current_block;
  std::optional<std::int64_t> next_block;
  std::size_t fetches = 0;  // messages read to find the new position (--to-block)

  // Where the group really resumes: the database's position for the sink, else Kafka's.
  std::optional<std::int64_t> current() const { return stored ? stored : committed; }
  // A partition without a position starts at the log's start (auto.offset.reset earliest).
  std::int64_t current_or_start() const { return current().value_or(log_start); }
  // Positive: messages read again; negative: messages skipped.
  std::int64_t reread() const { return current_or_start() - next; }
  bool clamped() const { return wanted != next; }
};

// Sets `next` from `wanted`, clamped into the log.
void clamp_into_log(PartitionMove& move);

// The dry run's table: TOPIC PARTITION LOG-START LOG-END KAFKA STORED NEW RE-READ REWOUND
// (BLOCKS when known), one line per partition, then totals.
std::string format_replay_table(const std::vector<PartitionMove>& moves, bool has_database);

// "1h 2m 5s", "3.2s", "-4m": how far the new position is behind the current one in time.
std::string format_rewind(std::int64_t ms);

}  // namespace tokenflow::ops
