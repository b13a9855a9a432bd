// DeadLetterTally: follows the dead-letter topic (from its beginning) and counts its messages
// per source topic (the tokenflow.source.topic header; "unknown" without it), keeping the
// newest reasons, for the dashboard.
//
// Lifecycle and threads: create(), then one thread calls poll() and reads the results.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/topic_follower.hpp"

namespace tokenflow::processors {

struct DeadLetterNote {
  std::string source;  // "topic[partition]@offset" of the message that failed
  std::string reason;
  std::int64_t timestamp_ms = 0;
};

class DeadLetterTally {
 public:
  static core::Result<std::unique_ptr<DeadLetterTally>> create(const kafka::ClientConfig& config,
                                                               const std::string& topic,
                                                               std::size_t keep = 20);
  void poll(std::chrono::milliseconds budget);

  std::uint64_t total() const { return total_; }
  const std::map<std::string, std::uint64_t>& by_source_topic() const { return by_topic_; }
  const std::deque<DeadLetterNote>& newest_first() const { return latest_; }
  const std::string& topic() const { return follower_->topic(); }

 private:
  DeadLetterTally() = default;
  std::unique_ptr<kafka::TopicFollower> follower_;
  std::size_t keep_ = 20;
  std::map<std::string, std::uint64_t> by_topic_;
  std::deque<DeadLetterNote> latest_;
  std::uint64_t total_ = 0;
};

}  // namespace tokenflow::processors
