// PartitionProgress: where a consumer stands in each partition assigned to it, for the lag
// gauges on /metrics (tokenflow_consumer_lag_messages / _seconds): the next offset it will
// read, the partition's high watermark as its own fetches last saw it (no request to the
// cluster: librdkafka caches it from every fetch answer), and the timestamp of the last
// message it read.
//
// Lag here is the consumer's read position against the log end, as librdkafka's own
// consumer_lag statistic counts it: messages read but not yet stored or committed are not
// lag (`tokenflow lag` gives the committed view). Lag in seconds is the age of the last
// message read while the partition has unread messages (an upper bound on the age of the
// oldest unread one, within the time between two messages), 0 once caught up.
//
// Threads: the consumer's poll thread changes it (assigned, revoked, consumed,
// refresh_watermarks); any thread may take a snapshot(). The poll thread's per-message
// update is two relaxed stores after a pointer compare; structure changes take a mutex.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tokenflow::kafka {

struct ReadLag {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t next_offset = -1;
  std::int64_t high_watermark = -1;
  std::int64_t messages = 0;
  std::optional<double> seconds;  // unknown until a message was read while behind
};

class PartitionProgress {
 public:
  // Poll thread. `partitions` carry their start offsets (or logical ones, taken as unknown).
  void assigned(const rd_kafka_topic_partition_list_t* partitions);
  void revoked(const rd_kafka_topic_partition_list_t* partitions);
  void clear();
  void seeked(const std::string& topic, std::int32_t partition, std::int64_t offset);
  void consumed(const rd_kafka_message_t* message) noexcept {
    Entry* entry = last_;
    if (entry == nullptr || entry->rkt != message->rkt || entry->partition != message->partition) {
      entry = find(message);
      if (entry == nullptr) return;
    }
    entry->next_offset.store(message->offset + 1, std::memory_order_relaxed);
    const std::int64_t ts = rd_kafka_message_timestamp(message, nullptr);
    if (ts >= 0) entry->last_timestamp_ms.store(ts, std::memory_order_relaxed);
  }
  // Reads librdkafka's cached high watermarks (and positions still unknown). Cheap; the
  // consumer calls it every few hundred milliseconds.
  void refresh_watermarks(rd_kafka_t* rk);

  // Any thread: the partitions whose position and log end are known.
  std::vector<ReadLag> snapshot(std::int64_t now_ms) const;

 private:
  struct Entry {
    std::string topic;
    std::int32_t partition = 0;
    const rd_kafka_topic_t* rkt = nullptr;  // poll thread only: the handle messages carry
    std::atomic<std::int64_t> next_offset{-1};
    std::atomic<std::int64_t> high_watermark{-1};
    std::atomic<std::int64_t> last_timestamp_ms{-1};
  };
  Entry* find(const rd_kafka_message_t* message) noexcept;

  mutable std::mutex mutex_;  // guards the vector, not the entries' atomics
  std::vector<std::unique_ptr<Entry>> entries_;
  Entry* last_ = nullptr;  // poll thread only
};

}  // namespace tokenflow::kafka
