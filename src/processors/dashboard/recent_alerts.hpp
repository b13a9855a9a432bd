// RecentAlerts: follows the alerts topic (from its beginning) and keeps the newest alerts as
// the JSON objects they were published as, for the dashboard. Any producer may write there:
// a message that is not a JSON object is counted and skipped.
//
// Lifecycle and threads: create(), then one thread calls poll() and reads the results.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/topic_follower.hpp"

namespace tokenflow::processors {

class RecentAlerts {
 public:
  static core::Result<std::unique_ptr<RecentAlerts>> create(const kafka::ClientConfig& config,
                                                            const std::string& topic,
                                                            std::size_t keep = 50);
  // Reads what arrived, for at most `budget`.
  void poll(std::chrono::milliseconds budget);

  std::uint64_t total() const { return total_; }
  std::uint64_t unreadable() const { return unreadable_; }
  const std::deque<std::string>& newest_first() const { return alerts_; }
  const std::string& topic() const { return follower_->topic(); }

 private:
  RecentAlerts() = default;
  std::unique_ptr<kafka::TopicFollower> follower_;
  std::size_t keep_ = 50;
  std::deque<std::string> alerts_;
  std::uint64_t total_ = 0;
  std::uint64_t unreadable_ = 0;
};

}  // namespace tokenflow::processors
