// RebalanceListener: what the owner of a Consumer is told when the group gives it
// partitions or takes them away, so that state kept per partition (rows in a database,
// window state, a checkpoint) moves with the partition.
//
// Both methods run on the thread that calls Consumer::poll() (or close()), inside that
// call, with the consumer's assignment not yet changed: on_assigned before any message of
// the new partitions is returned, on_revoked before the partitions are given up. The
// listener must outlive the Consumer (its destructor closes the consumer, which revokes),
// and must not throw: it is called from inside librdkafka's C callback.
//
// A commit from on_revoked can be refused with REBALANCE_IN_PROGRESS (librdkafka's mock
// cluster always refuses it; real brokers accept it only in some phases of a rebalance):
// the dependable pattern is to commit with the work and drop what is uncommitted here.
#pragma once

#include <cstdint>
#include <limits>

#include "core/position.hpp"
#include "kafka/topic_partition.hpp"

namespace tokenflow::kafka {

class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;

  // `partitions` were assigned to this consumer (with the cooperative protocol: only the
  // newly added ones). Return the next offset to read for each partition whose position the
  // owner keeps itself (e.g. the sink's positions table); every partition not in the answer
  // starts at the group's committed offset, or, when the group has none, where
  // ConsumerOptions::auto_offset_reset says.
  virtual core::Positions on_assigned(const TopicPartitions& partitions) = 0;

  // A next offset on_assigned may return for a partition its owner stored nothing of:
  // start it where ConsumerOptions::auto_offset_reset says, as if the group had never
  // committed it. (The group's offsets are committed after the owner's store and may be
  // ahead of what survived there, e.g. after a database crash undid asynchronous commits.)
  static constexpr std::int64_t kStartAsNew = std::numeric_limits<std::int64_t>::min();

  // `partitions` are about to be taken away (cooperative: only those). Work not yet
  // committed for them must be dropped (or committed now, synchronously): another consumer
  // resumes them from what is committed.
  virtual void on_revoked(const TopicPartitions& partitions) = 0;

  // The partitions were lost (the session timed out, the group moved on without us): they
  // may already be owned elsewhere, so nothing may be committed for them. Defaults to
  // on_revoked.
  virtual void on_lost(const TopicPartitions& partitions) { on_revoked(partitions); }
};

}  // namespace tokenflow::kafka
