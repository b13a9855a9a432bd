// TopicPartition: one partition of one topic, the unit Kafka assigns, pauses and commits;
// and conversions to and from librdkafka's rd_kafka_topic_partition_list_t.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <vector>

#include "core/position.hpp"
#include "kafka/handles.hpp"

namespace tokenflow::kafka {

struct TopicPartition {
  std::string topic;
  core::Partition partition;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

using TopicPartitions = std::vector<TopicPartition>;

// "topic[partition]", as every log line names a partition.
std::string to_string(const TopicPartition& tp);

// Lists without offsets (offset left RD_KAFKA_OFFSET_INVALID).
PartitionListHandle to_partition_list(const TopicPartitions& partitions);
// Lists with each partition's next offset set.
PartitionListHandle to_partition_list(const core::Positions& positions);

TopicPartitions to_topic_partitions(const rd_kafka_topic_partition_list_t* list);

// "topic[0]@12, topic[1]" (offsets shown when set), for log lines.
std::string describe(const rd_kafka_topic_partition_list_t* list);

}  // namespace tokenflow::kafka
