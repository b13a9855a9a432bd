// MessageSampler: the messages at given offsets of given partitions, one per position, for
// lag in seconds (the age of the oldest unread message is the timestamp of the message at
// the committed offset) and for searching a partition by content (`replay --to-block`).
// An assigned consumer (no group) reads one message at each position asked for.
//
// Lifecycle and threads: create(), then one thread calls read() / timestamps().
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

struct SampledMessage {
  std::int64_t offset = -1;        // at or after the position asked (gaps: compaction, markers)
  std::int64_t timestamp_ms = -1;  // -1: the message has none
  std::string payload;
};

class MessageSampler {
 public:
  static core::Result<std::unique_ptr<MessageSampler>> create(const ClientConfig& config);
  ~MessageSampler();
  MessageSampler(const MessageSampler&) = delete;
  MessageSampler& operator=(const MessageSampler&) = delete;

  using Key = std::pair<std::string, std::int32_t>;  // topic, partition
  // The message at each position's offset, or the first one after it; positions whose
  // message did not arrive within `timeout` (none there yet, or deleted) are absent.
  std::map<Key, SampledMessage> read(const core::Positions& positions,
                                     std::chrono::milliseconds timeout);
  // read()'s timestamps only (ms), for positions whose message has one.
  std::map<Key, std::int64_t> timestamps(const core::Positions& positions,
                                         std::chrono::milliseconds timeout);

 private:
  MessageSampler() = default;
  KafkaHandle rk_;
};

}  // namespace tokenflow::kafka
