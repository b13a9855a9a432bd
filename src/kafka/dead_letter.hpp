// DeadLetterPublisher: sends a message that cannot be decoded or validated to the
// dead-letter topic (tokenflow.dlq) with its original bytes and key untouched, and where it
// came from and why in text headers: tokenflow.reason, tokenflow.source.topic,
// tokenflow.source.partition, tokenflow.source.offset.
//
// Sources that have no Kafka position (file replay, an indexer page) pass partition -1 and,
// as the offset, their own position in the input (a file replay passes the 1-based line
// number), so the dead letter still says where to look.
//
// Delivery is the Producer's: publish() hands the message over and counts it; the dead
// letter is acknowledged through the producer's delivery report. A consumer that commits
// its source offset past a dead-lettered message flushes the producer first, so the dead
// letter is never lost while the original is skipped.
//
// Lifecycle: the Producer must outlive the publisher; used from the producer's owning thread.
#pragma once

#include <string>
#include <string_view>

#include "core/position.hpp"
#include "core/result.hpp"
#include "kafka/metrics.hpp"
#include "kafka/producer.hpp"

namespace tokenflow::kafka {

inline constexpr std::string_view kDeadLetterTopic = "tokenflow.dlq";
inline constexpr std::string_view kReasonHeader = "tokenflow.reason";
inline constexpr std::string_view kSourceTopicHeader = "tokenflow.source.topic";
inline constexpr std::string_view kSourcePartitionHeader = "tokenflow.source.partition";
inline constexpr std::string_view kSourceOffsetHeader = "tokenflow.source.offset";
// The consumer group that found the message bad: each group reading a topic dead-letters its
// bad messages, so one bad message is there once per group.
inline constexpr std::string_view kConsumerGroupHeader = "tokenflow.group";

struct DeadLetterOptions {
  std::string topic{kDeadLetterTopic};
  // A warning per message; off where the owner logs a summary instead (the statistics'
  // side topic tokenflow.late, where a replay can send thousands).
  bool log_each = true;
  // The consumer group of the publisher's owner (a sink, the alert monitor, the statistics),
  // in the tokenflow.group header; empty (a source): no such header.
  std::string group;
};

class DeadLetterPublisher {
 public:
  explicit DeadLetterPublisher(Producer& producer, DeadLetterOptions options = {});

  // Publishes `original_bytes` with `key` (empty: no key) to the dead-letter topic, `reason`
  // in its header; the producer's delivery report carries `tag`. `kind` is the reason's
  // short stable name ("missing_field", codec::reason_kind), counted per kind on /metrics.
  // Errors: those of Producer::produce, after a log line naming source_topic[partition]@offset.
  core::Result<void> publish(std::string_view original_bytes, std::string_view key,
                             const std::string& source_topic, core::Partition partition,
                             core::Offset offset, std::string_view kind, std::string_view reason,
                             std::uint64_t tag = 0);

  const std::string& topic() const noexcept { return options_.topic; }
  std::uint64_t published() const noexcept { return probe_.published.get(); }
  const DeadLetterProbe& probe() const noexcept { return probe_; }

 private:
  Producer& producer_;
  DeadLetterOptions options_;
  DeadLetterProbe probe_;
};

}  // namespace tokenflow::kafka
