// StatsDirectory: which instance of a statistics consumer group answers for which token, shared
// through a compacted Kafka topic (records in directory_record.hpp), so that any instance can
// send a client to the one holding a token (HTTP 307, a WebSocket redirect message) and a
// plain load balancer in front of several instances works.
//
// Publishing: every publish_interval the publisher thread takes the store's journal of holder
// changes (states installed, tokens created and evicted) and sends them; every heartbeat it
// announces itself again as the owner of each partition it holds. Reading: the reader thread
// replays the topic from the beginning and follows it (kafka::TopicFollower).
//
// Why both owner and token records: the tokens of a partition are facts of its data, known
// from the events whoever reads them, and they do not change when the partition moves; the
// owner does. After a rebalance (or a SIGKILL and the group's session timeout) the new owner
// announces the partition at once and every token of it points there.
//
// Threads: start() runs the two threads; locate() and caught_up() from any thread; stop()
// (or the destructor) joins them. The store must outlive the directory.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/metrics.hpp"
#include "kafka/producer.hpp"
#include "kafka/topic_follower.hpp"
#include "processors/stats/directory_record.hpp"
#include "processors/stats/stats_store.hpp"

namespace tokenflow::processors {

struct DirectoryOptions {
  std::string topic = "tokenflow.stats.directory";
  std::string group;            // the statistics consumer group
  std::string swaps_topic;      // the inputs, to name a state's topic
  std::string transfers_topic;  // empty: swaps only
  std::string instance;         // host:pid
  std::chrono::milliseconds publish_interval{200};
  std::chrono::milliseconds heartbeat{5000};
  // An owner not heard from for this long is not sent clients (it is gone, or the group is
  // rebalancing).
  std::chrono::milliseconds stale_after{20'000};
};

// Where one state holding a token is, as the directory knows it.
struct Location {
  StateKey key;
  std::string url;  // the owner's; empty when no owner has announced the partition
  bool fresh = false;
};

struct DirectoryProbe {
  kafka::Counter published{"tokenflow_stats_directory_published_total",
                           "directory records sent (owners, tokens held, tokens withdrawn)"};
  kafka::Counter publish_failures{"tokenflow_stats_directory_publish_failures_total",
                                  "directory records Kafka refused to take (an owner record is "
                                  "sent again at the next heartbeat)"};
  kafka::Counter read{"tokenflow_stats_directory_read_total", "directory records read"};
  kafka::Counter ignored{"tokenflow_stats_directory_ignored_total",
                         "messages on the directory topic that are not directory records"};
  kafka::Counter redirects{"tokenflow_stats_redirects_total",
                           "requests sent to the instance that holds their token"};
  kafka::Gauge known_tokens{"tokenflow_stats_directory_tokens",
                            "tokens the directory knows a partition of"};
};

class StatsDirectory {
 public:
  // Creates the producer and the reader (the directory topic must exist: the caller creates
  // it). Errors name the topic.
  static core::Result<std::unique_ptr<StatsDirectory>> create(DirectoryOptions options,
                                                              const kafka::ClientConfig& config,
                                                              StatsStore& store);
  ~StatsDirectory();
  StatsDirectory(const StatsDirectory&) = delete;
  StatsDirectory& operator=(const StatsDirectory&) = delete;

  // Starts publishing and reading; `advertise_url` is where this instance answers, known once
  // its server listens.
  void start(std::string advertise_url);
  void stop();

  // True once the records that were in the topic at start have been read: before that a
  // token not held here may still be held elsewhere.
  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  // The states holding `token` that this instance does not own, with their owners; none
  // before the directory is read (caught_up()).
  std::vector<Location> elsewhere(const core::Address& token) const;
  const std::string& self_url() const { return advertise_url_; }
  const DirectoryProbe& probe() const { return probe_; }
  DirectoryProbe& probe() { return probe_; }

 private:
  StatsDirectory(DirectoryOptions options, StatsStore& store);
  void publish_loop();
  void read_loop();
  void publish_changes(const HolderJournal& journal);
  void announce_owner(StateKey key, std::int64_t now_ms);
  void send(const std::string& key, std::string_view value);
  void apply(const DirectoryRecord& record);
  std::optional<Input> input_of(std::string_view topic) const;
  const std::string& topic_of(Input input) const;

  struct Owner {
    std::string url;
    std::string instance;
    std::int64_t at_ms = 0;
  };

  DirectoryOptions options_;
  std::string advertise_url_;  // set by start(), before the threads (and caught_up) begin
  StatsStore& store_;
  std::unique_ptr<kafka::Producer> producer_;  // publisher thread only
  std::unique_ptr<kafka::TopicFollower> follower_;  // reader thread only
  DirectoryProbe probe_;
  std::atomic<bool> caught_up_{false};
  std::atomic<bool> stopping_{false};
  std::thread publisher_;
  std::thread reader_;

  mutable std::shared_mutex mutex_;  // the maps below: the reader writes, requests read
  std::map<StateKey, Owner> owners_;
  std::unordered_map<core::Address, StateKeys, core::AddressHash> tokens_;
};

// This host's name and the process id, e.g. "stats-2:4711", naming an instance in logs.
std::string instance_name();

}  // namespace tokenflow::processors
