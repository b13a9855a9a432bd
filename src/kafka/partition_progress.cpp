#include "kafka/partition_progress.hpp"

#include <algorithm>

namespace tokenflow::kafka {

void PartitionProgress::assigned(const rd_kafka_topic_partition_list_t* partitions) {
  if (partitions == nullptr) return;
  std::lock_guard lock(mutex_);
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& p = partitions->elems[i];
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) {
      return e->partition == p.partition && e->topic == p.topic;
    });
    Entry* entry = it != entries_.end() ? it->get() : entries_.emplace_back(std::make_unique<Entry>()).get();
    entry->topic = p.topic;
    entry->partition = p.partition;
    entry->next_offset.store(p.offset >= 0 ? p.offset : -1, std::memory_order_relaxed);
    entry->last_timestamp_ms.store(-1, std::memory_order_relaxed);
  }
}

void PartitionProgress::revoked(const rd_kafka_topic_partition_list_t* partitions) {
  if (partitions == nullptr) return;
  std::lock_guard lock(mutex_);
  last_ = nullptr;
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& p = partitions->elems[i];
    std::erase_if(entries_, [&](const auto& e) {
      return e->partition == p.partition && e->topic == p.topic;
    });
  }
}

void PartitionProgress::clear() {
  std::lock_guard lock(mutex_);
  last_ = nullptr;
  entries_.clear();
}

void PartitionProgress::seeked(const std::string& topic, std::int32_t partition,
                               std::int64_t offset) {
  std::lock_guard lock(mutex_);
  for (auto& e : entries_) {
    if (e->partition == partition && e->topic == topic) {
      e->next_offset.store(offset >= 0 ? offset : -1, std::memory_order_relaxed);
    }
  }
}

PartitionProgress::Entry* PartitionProgress::find(const rd_kafka_message_t* message) noexcept {
  if (message->rkt == nullptr) return nullptr;
  const char* topic = rd_kafka_topic_name(message->rkt);
  // The poll thread is the only one changing the vector, so it may read it unlocked.
  for (auto& e : entries_) {
    if (e->partition == message->partition && e->topic == topic) {
      e->rkt = message->rkt;
      last_ = e.get();
      return last_;
    }
  }
  return nullptr;
}

void PartitionProgress::refresh_watermarks(rd_kafka_t* rk) {
  for (auto& e : entries_) {
    std::int64_t low = -1;
    std::int64_t high = -1;
    if (rd_kafka_get_watermark_offsets(rk, e->topic.c_str(), e->partition, &low, &high) == 0 &&
        high >= 0) {
      e->high_watermark.store(high, std::memory_order_relaxed);
    }
    if (e->next_offset.load(std::memory_order_relaxed) < 0) {
      rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(list, e->topic.c_str(), e->partition);
      if (rd_kafka_position(rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR && list->elems[0].offset >= 0) {
        e->next_offset.store(list->elems[0].offset, std::memory_order_relaxed);
      }
      rd_kafka_topic_partition_list_destroy(list);
    }
  }
}

std::vector<ReadLag> PartitionProgress::snapshot(std::int64_t now_ms) const {
  std::vector<ReadLag> out;
  std::lock_guard lock(mutex_);
  out.reserve(entries_.size());
  for (const auto& e : entries_) {
    ReadLag lag;
    lag.topic = e->topic;
    lag.partition = e->partition;
    lag.next_offset = e->next_offset.load(std::memory_order_relaxed);
    lag.high_watermark = e->high_watermark.load(std::memory_order_relaxed);
    if (lag.next_offset < 0 || lag.high_watermark < 0) continue;
    lag.messages = std::max<std::int64_t>(0, lag.high_watermark - lag.next_offset);
    const std::int64_t last = e->last_timestamp_ms.load(std::memory_order_relaxed);
    if (lag.messages == 0) {
      lag.seconds = 0.0;
    } else if (last >= 0) {
      lag.seconds = static_cast<double>(std::max<std::int64_t>(0, now_ms - last)) / 1000.0;
    }
    out.push_back(std::move(lag));
  }
  std::sort(out.begin(), out.end(), [](const ReadLag& a, const ReadLag& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  });
  return out;
}

}  // namespace tokenflow::kafka
