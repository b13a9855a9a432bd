// Consumer: a member of a Kafka consumer group (librdkafka's high-level KafkaConsumer) that
// commits only what its owner says is done. Offsets are never committed or stored
// automatically; rebalances are handled explicitly for both the eager and the cooperative
// protocol, and the owner's RebalanceListener decides where assigned partitions start.
//
// Where a partition starts, in order: the offset the listener returns; else the group's
// committed offset; else (the group never committed it) ConsumerOptions::auto_offset_reset.
// librdkafka's own auto.offset.reset is always set to "error" so it never applies to an
// offset that is out of range: that is reported loudly (a log line naming
// topic[partition]@offset, the offset_out_of_range counter, a Message with
// errc::offset_out_of_range) and the partition stops, instead of silently skipping or
// re-reading data. A user's -X auto.offset.reset=... is taken as auto_offset_reset.
//
// Lifecycle and threads: create() subscribes. Then one thread calls poll(), commit(),
// pause(), resume(), assignment() and close(); listener callbacks run inside poll() and
// close() on that thread. close() leaves the group (revoking through the listener) and must
// run before destruction; the destructor calls it if the owner did not. The probe is
// readable from any thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/position.hpp"
#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/handles.hpp"
#include "kafka/message.hpp"
#include "kafka/metrics.hpp"
#include "kafka/rebalance_listener.hpp"
#include "kafka/topic_partition.hpp"

namespace tokenflow::kafka {

struct ConsumerOptions {
  std::string group_id{};             // --kafka-group; required
  std::vector<std::string> topics{};  // required
  // Where a partition the group never committed starts: "earliest" (nothing is skipped),
  // "latest", or "error" (report it like an out-of-range offset). Aliases smallest,
  // beginning, largest and end are accepted.
  std::string auto_offset_reset = "earliest";
  int session_timeout_ms = 6000;  // a killed consumer's partitions move on within seconds
  int heartbeat_interval_ms = 1500;
  int fetch_wait_max_ms = 500;  // latency-sensitive roles lower it
  // "cooperative-sticky" (incremental rebalances) or eager ones such as "range,roundrobin".
  std::string partition_assignment_strategy = "cooperative-sticky";
  std::string client_id = "tokenflow-consumer";
  // Bound on the committed-offset lookup made when partitions are assigned.
  std::chrono::milliseconds committed_timeout{10'000};
};

class Consumer {
 public:
  // Errors: errc::invalid_config (missing group or topics, a property librdkafka rejects),
  // errc::request_failed (the subscription was refused).
  static core::Result<std::unique_ptr<Consumer>> create(const ClientConfig& config,
                                                        ConsumerOptions options,
                                                        RebalanceListener* listener = nullptr);
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // The next message, or nullopt when none arrived within `timeout`. A returned Message may
  // be an error about a partition (Message::is_error()): it has been logged and counted;
  // offset-out-of-range errors stop that partition until an operator resets it.
  std::optional<Message> poll(std::chrono::milliseconds timeout);

  // Commits the given next offsets (what to read next, i.e. last processed + 1). Sync: the
  // coordinator's answer is the result. Async: returns once queued; the outcome is counted
  // and logged from a later poll().
  core::Result<void> commit(const core::Positions& positions, bool async = false);

  // The group's committed next offsets for `partitions`; a partition never committed is
  // absent from the answer.
  core::Result<core::Positions> committed(const TopicPartitions& partitions,
                                          std::chrono::milliseconds timeout);

  // Moves the fetch position of assigned partitions, e.g. back to the stored positions after
  // a batch was dropped. Errors name the partition.
  core::Result<void> seek(const core::Positions& positions, std::chrono::milliseconds timeout);

  // Stops or restarts fetching from these (assigned) partitions, keeping the assignment.
  // Messages already fetched for a paused partition are discarded and re-fetched on resume
  // from the last one returned. librdkafka keeps a partition paused when it is revoked and
  // assigned again, so resume what you paused once the rebalance is over.
  core::Result<void> pause(const TopicPartitions& partitions);
  core::Result<void> resume(const TopicPartitions& partitions);

  core::Result<TopicPartitions> assignment();

  // Leaves the group (the listener's on_revoked runs) and stops. Idempotent.
  core::Result<void> close();

  const std::string& group_id() const noexcept { return options_.group_id; }
  const ConsumerProbe& probe() const noexcept { return probe_; }
  std::optional<core::Error> fatal_error() const;
  rd_kafka_t* native_handle() noexcept { return rk_.get(); }

 private:
  Consumer(ConsumerOptions options, RebalanceListener* listener, std::int64_t reset_offset);

  void handle_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void resolve_start_offsets(rd_kafka_topic_partition_list_t* partitions);
  // Logs (error) and counts the messages a partition's start position says were deleted
  // unread: a position below the log start, or a new group on a log that no longer starts
  // at 0.
  void report_deleted_before_read(const rd_kafka_topic_partition_list_t* partitions);
  // (topic, partition, start offset) whose loss was counted at assignment (poll thread).
  std::set<std::tuple<std::string, std::int32_t, std::int64_t>> lost_reported_;
  bool cooperative();
  // Refreshes the lag gauges' view of the log ends, at most every 250 ms (poll thread).
  void refresh_progress();
  std::uint32_t polls_since_refresh_ = 0;
  std::chrono::steady_clock::time_point progress_refreshed_{};
  static const char* describe_reset(std::int64_t offset) noexcept;
  void handle_commit_result(rd_kafka_resp_err_t err,
                            const rd_kafka_topic_partition_list_t* offsets);

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void on_commit(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque);

  ConsumerOptions options_;
  RebalanceListener* listener_;
  std::int64_t reset_offset_;  // RD_KAFKA_OFFSET_BEGINNING / _END / _INVALID ("error")
  ConsumerProbe probe_;
  std::optional<bool> cooperative_;  // the group's protocol, learnt at the first rebalance
  bool closing_ = false;
  bool closed_ = false;
  std::optional<core::Error> last_commit_error_;  // set by on_commit for the commit in flight
  mutable std::mutex fatal_mutex_;
  std::optional<core::Error> fatal_error_;
  KafkaHandle rk_;
  QueueHandle consumer_queue_;  // released before rk_
};

}  // namespace tokenflow::kafka
