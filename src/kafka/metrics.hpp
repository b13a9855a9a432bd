// The Kafka layer's probes: named counters that the producer, consumer and dead-letter
// publisher bump as things happen. Plain relaxed atomics, so the owning thread pays almost
// nothing and any thread (the /metrics exporter, progress lines) may read them at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "kafka/partition_progress.hpp"

namespace tokenflow::kafka {

// A monotonically increasing count with its exported name and a one-line description.
struct Counter {
  const char* name;
  const char* help;
  std::atomic<std::uint64_t> value{0};

  void add(std::uint64_t n = 1) noexcept { value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

// A level that goes up and down (e.g. partitions currently assigned).
struct Gauge {
  const char* name;
  const char* help;
  std::atomic<std::int64_t> value{0};

  void set(std::int64_t v) noexcept { value.store(v, std::memory_order_relaxed); }
  std::int64_t get() const noexcept { return value.load(std::memory_order_relaxed); }
};

struct ProducerProbe {
  Counter produced{"tokenflow_kafka_produced_total", "messages handed to librdkafka"};
  Counter delivered{"tokenflow_kafka_delivered_total", "messages acknowledged by Kafka"};
  Counter delivered_bytes{"tokenflow_kafka_delivered_bytes_total",
                          "key and value bytes of the messages acknowledged by Kafka"};
  Counter failed{"tokenflow_kafka_delivery_failed_total",
                 "messages whose delivery report carried an error"};
  Counter queue_full{"tokenflow_kafka_produce_queue_full_total",
                     "produce calls that found the local queue full and waited (backpressure)"};
  Counter errors{"tokenflow_kafka_producer_errors_total",
                 "client-level producer errors reported by librdkafka"};
  Counter fatal_errors{"tokenflow_kafka_producer_fatal_errors_total",
                       "fatal producer errors (the producer must be recreated)"};

  template <typename F>
  void for_each(F&& f) const {
    f(produced);
    f(delivered);
    f(delivered_bytes);
    f(failed);
    f(queue_full);
    f(errors);
    f(fatal_errors);
  }
};

struct ConsumerProbe {
  Counter messages{"tokenflow_kafka_consumed_total", "messages returned by poll()"};
  Counter errors{"tokenflow_kafka_consumer_errors_total",
                 "consumer errors (client-level and per-partition) reported by librdkafka"};
  Counter rebalances{"tokenflow_kafka_rebalances_total",
                     "rebalance callbacks (assignments and revocations)"};
  Counter commits{"tokenflow_kafka_commits_total", "offset commits acknowledged"};
  Counter commit_failures{"tokenflow_kafka_commit_failures_total", "offset commits refused"};
  Counter messages_lost{"tokenflow_kafka_messages_lost_total",
                        "messages deleted (retention) before the group read them, as found "
                        "where partitions start"};
  Counter offset_out_of_range{"tokenflow_kafka_offset_out_of_range_total",
                              "partitions whose offset was out of range (data lost to "
                              "retention or an offset ahead of the log); never reset silently"};
  Gauge assigned_partitions{"tokenflow_kafka_assigned_partitions",
                            "partitions currently assigned to this consumer"};
  // Per assigned partition: read position, log end and the last message's time (the lag
  // gauges tokenflow_consumer_lag_messages and _seconds).
  PartitionProgress progress;

  template <typename F>
  void for_each(F&& f) const {
    f(messages);
    f(errors);
    f(rebalances);
    f(commits);
    f(commit_failures);
    f(offset_out_of_range);
    f(messages_lost);
  }
  template <typename F>
  void for_each_gauge(F&& f) const {
    f(assigned_partitions);
  }
};

// Counts per label value (a dead letter's reason kind): few values, bumped rarely, so a
// mutex and a map are enough; readable from any thread.
class LabelledCounter {
 public:
  void add(std::string_view label, std::uint64_t n = 1) {
    std::lock_guard lock(mutex_);
    counts_[std::string(label)] += n;
  }
  std::map<std::string, std::uint64_t> snapshot() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> counts_;
};

struct DeadLetterProbe {
  Counter published{"tokenflow_kafka_dead_letters_total",
                    "messages handed to the dead-letter topic"};
  Counter failed{"tokenflow_kafka_dead_letter_failures_total",
                 "dead letters that could not be handed to the producer"};

    // tokenflow_dead_letters_total{reason=...}
  LabelledCounter by_kind;

  template <typename F>
  void for_each(F&& f) const {
    f(published);
    f(failed);
  }
};

}  // namespace tokenflow::kafka
