// OffsetTimestamps: the timestamps of the messages at given offsets, for lag in seconds (the
// age of the oldest unread message is the timestamp of the message at the committed offset).
// An assigned consumer (no group) reads one message at each position asked for.
//
// Lifecycle and threads: create(), then one thread calls read().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "core/position.hpp"
#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/handles.hpp"

namespace tokenflow::kafka {

class OffsetTimestamps {
 public:
  static core::Result<std::unique_ptr<OffsetTimestamps>> create(const ClientConfig& config);
  ~OffsetTimestamps();
  OffsetTimestamps(const OffsetTimestamps&) = delete;
  OffsetTimestamps& operator=(const OffsetTimestamps&) = delete;

  using Key = std::pair<std::string, std::int32_t>;  // topic, partition
  // The timestamp (ms) of the message at each position's offset, or of the first message
  // after it; positions whose message did not arrive within `timeout` (none there yet, or
  // deleted) are absent.
  std::map<Key, std::int64_t> read(const core::Positions& positions,
                                   std::chrono::milliseconds timeout);

 private:
  OffsetTimestamps() = default;
  KafkaHandle rk_;
};

}  // namespace tokenflow::kafka
