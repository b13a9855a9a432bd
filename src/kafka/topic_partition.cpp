#include "kafka/topic_partition.hpp"

namespace tokenflow::kafka {

std::string to_string(const TopicPartition& tp) {
  return tp.topic + "[" + std::to_string(tp.partition.value) + "]";
}

PartitionListHandle to_partition_list(const TopicPartitions& partitions) {
  PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value);
  }
  return list;
}

PartitionListHandle to_partition_list(const core::Positions& positions) {
  PartitionListHandle list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& p : positions) {
    rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition.value)->offset =
        p.next_offset.value;
  }
  return list;
}

TopicPartitions to_topic_partitions(const rd_kafka_topic_partition_list_t* list) {
  TopicPartitions out;
  if (list == nullptr) return out;
  out.reserve(static_cast<std::size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back(TopicPartition{list->elems[i].topic, core::Partition{list->elems[i].partition}});
  }
  return out;
}

std::string describe(const rd_kafka_topic_partition_list_t* list) {
  std::string out;
  if (list == nullptr) return out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (!out.empty()) out += ", ";
    out += e.topic;
    out += '[';
    out += std::to_string(e.partition);
    out += ']';
    if (e.offset >= 0) {
      out += '@';
      out += std::to_string(e.offset);
    }
  }
  return out;
}

}  // namespace tokenflow::kafka
