#include "kafka/dead_letter.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <span>

namespace tokenflow::kafka {

DeadLetterPublisher::DeadLetterPublisher(Producer& producer, DeadLetterOptions options)
    : producer_(producer), options_(std::move(options)) {}

core::Result<void> DeadLetterPublisher::publish(std::string_view original_bytes,
                                                std::string_view key,
                                                const std::string& source_topic,
                                                core::Partition partition, core::Offset offset,
                                                std::string_view kind, std::string_view reason,
                                                std::uint64_t tag) {
  const std::string partition_text = std::to_string(partition.value);
  const std::string offset_text = std::to_string(offset.value);
  const std::array<Header, 5> all_headers = {
      Header{kReasonHeader, reason},
      Header{kSourceTopicHeader, source_topic},
      Header{kSourcePartitionHeader, partition_text},
      Header{kSourceOffsetHeader, offset_text},
      Header{kConsumerGroupHeader, options_.group},
  };
  const std::span<const Header> headers(all_headers.data(),
                                        options_.group.empty() ? 4 : 5);
  auto produced = producer_.produce(options_.topic, key, original_bytes, headers, tag);
  if (!produced) {
    probe_.failed.add();
    spdlog::error("{}[{}]@{}: cannot dead-letter to {}: {}", source_topic, partition.value,
                  offset.value, options_.topic, produced.error().message);
    return produced;
  }
  probe_.published.add();
  probe_.by_kind.add(kind);
  if (!options_.log_each) return core::success();
  spdlog::warn("{}[{}]@{}: dead-lettered to {}: {}", source_topic, partition.value, offset.value,
               options_.topic, reason);
  return core::success();
}

}  // namespace tokenflow::kafka
