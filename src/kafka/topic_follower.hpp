// TopicFollower: reads every partition of one topic from its beginning and keeps following
// it, without joining a consumer group (partitions are assigned directly, nothing is
// committed). For state that every instance needs whole, such as a compacted topic of
// announcements (the statistics directory): each reader replays the topic, then applies what
// arrives.
//
// Lifecycle and threads: create(), then one thread calls poll() and caught_up(). Partitions
// added to the topic later are not followed.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/handles.hpp"
#include "kafka/message.hpp"

namespace tokenflow::kafka {

// A consumer handle that is assigned partitions directly and never joins a group or commits
// (the tail reader's and the follower's). `what` names it in errors.
core::Result<KafkaHandle> make_assigned_consumer(const ClientConfig& config,
                                                 const std::string& client_id,
                                                 int fetch_wait_max_ms, const std::string& what);

class TopicFollower {
 public:
  // Errors: errc::unknown_topic (the topic does not exist), errc::timed_out, errc::invalid_config.
  static core::Result<std::unique_ptr<TopicFollower>> create(
      const ClientConfig& config, const std::string& topic,
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TopicFollower();
  TopicFollower(const TopicFollower&) = delete;
  TopicFollower& operator=(const TopicFollower&) = delete;

  // The next message (never an error: transient ones are skipped, the client retries), or
  // nullopt when none arrived within `timeout`.
  std::optional<Message> poll(std::chrono::milliseconds timeout);
  // True once every message that was in the topic when create() returned has been polled.
  bool caught_up() const { return behind_.empty(); }
  const std::string& topic() const { return topic_; }

 private:
  explicit TopicFollower(std::string topic) : topic_(std::move(topic)) {}

  std::string topic_;
  std::map<std::int32_t, std::int64_t> behind_;  // partition -> end offset not yet reached
  KafkaHandle rk_;
};

}  // namespace tokenflow::kafka
