// Positions in a Kafka log, as plain strong types: core knows nothing of Kafka, but sinks
// and checkpoints store these next to the data they cover.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tokenflow::core {

struct Partition {
  std::int32_t value = 0;
  friend auto operator<=>(const Partition&, const Partition&) = default;
};

struct Offset {
  std::int64_t value = 0;
  friend auto operator<=>(const Offset&, const Offset&) = default;
};

// The next offset to read in one partition of one topic: what a sink stores in the same
// transaction as the rows it wrote, and what a consumer resumes from.
struct PartitionPosition {
  std::string topic;
  Partition partition;
  Offset next_offset;
  friend bool operator==(const PartitionPosition&, const PartitionPosition&) = default;
};

using Positions = std::vector<PartitionPosition>;

}  // namespace tokenflow::core
