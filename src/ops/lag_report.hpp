// A lag report: per consumer group and partition, where the group stands (Kafka's committed
// offset, and where it really resumes: the sink's position in its database, the statistics'
// checkpoint), the log around it, the lag in messages, seconds and blocks, who reads it, and
// with --watch a status from the last samples, as Burrow gives one:
//   ok               nothing waits, or the group keeps up
//   falling behind   it commits, but the lag's low points rise
//   stalled          messages wait and the committed offset has not moved, the group has members
//   stopped          messages wait, the committed offset has not moved, and nobody reads
//   rewound          the committed offset went backwards (a replay, a reset)
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace tokenflow::ops {

struct LagSample {
  std::chrono::steady_clock::time_point at;
  std::int64_t committed = -1;  // -1: none
  std::int64_t log_end = 0;
};

enum class PartitionStatus { unknown, ok, falling_behind, stalled, stopped, rewound, no_offsets };
const char* partition_status_name(PartitionStatus status);

// The status of a partition from its samples, oldest first (at least two for anything but
// ok / no offsets); `has_members`: nullopt when the cluster cannot tell.
PartitionStatus evaluate(const std::deque<LagSample>& samples, std::optional<bool> has_members);

struct PartitionLagRow {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t log_start = 0;
  std::int64_t log_end = 0;
  std::optional<std::int64_t> committed;
  std::int64_t lag = 0;  // from the committed offset (or the log start without one)
  std::optional<double> lag_seconds;
  std::optional<std::int64_t> lag_blocks;
  std::string member;  // "client-id@host" reading it, when the cluster says
  // Where the group really resumes, when it keeps its own positions.
  std::optional<std::int64_t> stored;      // the sink's database
  std::optional<std::int64_t> checkpoint;  // the statistics' checkpoint
  bool beyond_end = false;                 // a resume position past the log's end
  PartitionStatus status = PartitionStatus::unknown;

  bool resume_differs() const {
    const auto& own = stored ? stored : checkpoint;
    return own && committed && *own != *committed;
  }
};

struct GroupLagReport {
  std::string group;
  std::string state;     // "Stable", "Empty", ...; "" when the cluster cannot tell
  int members = -1;      // -1: unknown
  std::string error;     // why the group could not be read
  std::vector<PartitionLagRow> rows;
  std::int64_t total_lag() const;
  std::optional<double> max_lag_seconds() const;
};

std::string format_lag_text(const std::vector<GroupLagReport>& groups);
std::string format_lag_json(const std::vector<GroupLagReport>& groups);

}  // namespace tokenflow::ops
