// Admin: the operations side of a Kafka cluster that roles and `tokenflow topics` / `lag`
// need: make sure a topic exists, how many partitions it has, where each partition's log
// ends (watermarks), how far a consumer group's committed offsets trail them (lag), and the
// topic administration of `tokenflow topics` (describe, configs, create, grow, delete).
//
// create_topic(), ensure_topic(), create_partitions(), delete_topic() and topic_configs()
// are requests to the cluster's controller (CreateTopics, CreatePartitions, DeleteTopics,
// DescribeConfigs), which real clusters (Kafka, Redpanda) answer and librdkafka's mock
// cluster does not: it names no controller among its brokers, and these calls fail at once
// with errc::not_supported there. Code that runs an EmbeddedCluster in the same process
// creates topics with EmbeddedCluster::create_topic() instead. Everything else here works
// on both.
//
// Lifecycle: create() connects lazily; every call blocks for at most the timeout given to
// create(). Thread-safe (librdkafka's admin and metadata calls are).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/position.hpp"
#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/handles.hpp"
#include "kafka/topic_partition.hpp"

namespace tokenflow::kafka {

struct Watermarks {
  core::Offset low;   // the first offset still in the log
  core::Offset high;  // the offset the next message will get
};

struct PartitionLag {
  core::Partition partition;
  Watermarks watermarks;
  std::optional<core::Offset> committed;  // nullopt: the group never committed here
  // Messages the group has yet to read: high - committed, or high - low when nothing is
  // committed (everything retained is unread); never negative.
  std::int64_t lag = 0;
  // The committed offset is below the log start: that data is gone (offset out of range).
  bool committed_out_of_range = false;
};

struct TopicInfo {
  std::string name;
  int partitions = 0;
};

struct PartitionDescription {
  core::Partition partition;
  std::int32_t leader = -1;  // broker id; -1 while the partition has no leader
  std::vector<std::int32_t> replicas;
  std::vector<std::int32_t> in_sync_replicas;
  std::string error;  // what the metadata said is wrong with the partition; empty if nothing
};

struct TopicDescription {
  std::string name;
  std::vector<PartitionDescription> partitions;  // in partition order
};

// One setting of a topic as DescribeConfigs reports it.
struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // nullopt when unset or sensitive (never sent)
  std::string source;                // "DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG", ...
  bool is_default = false;
  bool read_only = false;
  bool sensitive = false;
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  TopicPartitions assignment;  // the partitions it reads
};

struct GroupDescription {
  std::string state;  // "Stable", "PreparingRebalance", "Empty", "Dead", ...
  std::vector<GroupMember> members;
};

class Admin {
 public:
  static core::Result<std::unique_ptr<Admin>> create(
      const ClientConfig& config, std::chrono::milliseconds timeout = std::chrono::seconds{10});
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  // Creates the topic (CreateTopics); -1 partitions or replication take the cluster's
  // defaults. `configs` are the new topic's settings (e.g. cleanup.policy=compact).
  // Errors: errc::topic_exists, errc::not_supported (no controller: the embedded cluster),
  // errc::timed_out, errc::invalid_config, errc::request_failed naming the topic and the
  // broker's reason.
  core::Result<void> create_topic(const std::string& topic, int partitions, int replication,
                                  const std::map<std::string, std::string>& configs = {});
  // create_topic() unless it exists (an existing topic is success, with a warning when it
  // has fewer partitions than asked).
  core::Result<void> ensure_topic(const std::string& topic, int partitions, int replication,
                                  const std::map<std::string, std::string>& configs = {});

  // Grows `topic` to `total` partitions (CreatePartitions). Errors as create_topic's, and
  // errc::request_failed when `total` is not more than it has.
  core::Result<void> create_partitions(const std::string& topic, int total);

  // Deletes `topic` and every message in it (DeleteTopics). Errors as create_topic's, and
  // errc::unknown_topic.
  core::Result<void> delete_topic(const std::string& topic);

  // Leaders, replicas and in-sync replicas of each partition, from the metadata of every
  // topic: asking for one topic by name would make the embedded cluster create it.
  // Errors: errc::unknown_topic.
  core::Result<TopicDescription> describe_topic(const std::string& topic);

  // Every setting of `topic`, defaults included, by name (DescribeConfigs). Errors as
  // create_topic's.
  core::Result<std::vector<ConfigEntry>> topic_configs(const std::string& topic);

  // Every topic of the cluster but its internal ones (names starting "__"), by name.
  core::Result<std::vector<TopicInfo>> topics();

  // Errors: errc::unknown_topic when the topic does not exist.
  core::Result<int> partition_count(const std::string& topic);

  core::Result<Watermarks> watermarks(const std::string& topic, core::Partition partition);
  // The watermarks of many partitions (any topics), in the order asked, in two batched
  // ListOffsets requests per leader (earliest, latest) instead of two round trips per
  // partition: a sampler of a hundred partitions stays well under a second on a busy
  // machine. Errors: the first partition's error, naming it.
  core::Result<std::vector<Watermarks>> watermarks(const TopicPartitions& partitions);
  // Every partition of `topic`, in partition order (batched as above).
  core::Result<std::vector<Watermarks>> topic_watermarks(const std::string& topic);
  core::Result<core::Offset> high_watermark(const std::string& topic, core::Partition partition);

  // The group's committed next offsets for every partition of `topic`; partitions the
  // group never committed are absent.
  core::Result<core::Positions> committed_offsets(const std::string& group,
                                                  const std::string& topic);

  // The group's committed next offsets on every topic it committed to.
  core::Result<core::Positions> committed_offsets(const std::string& group);
  // Sets the group's committed offsets (AlterConsumerGroupOffsets). Kafka refuses it for a
  // group with active members (errc::request_failed naming the partition and the reason).
  core::Result<void> alter_committed_offsets(const std::string& group,
                                             const core::Positions& positions);
  // The first offset whose message timestamp is at or after `unix_ms`, per partition (in
  // the order asked); the partition's end when there is none.
  core::Result<std::vector<core::Offset>> offsets_for_time(const TopicPartitions& partitions,
                                                           std::int64_t unix_ms);

  // Every consumer group's id (ListConsumerGroups), sorted.
  core::Result<std::vector<std::string>> list_groups();

  // The cluster's id (metadata). librdkafka's embedded cluster names itself "mockCluster…".
  core::Result<std::string> cluster_id();
  // True for librdkafka's embedded (mock) cluster, which refuses DescribeGroups; and a
  // client that asked it can no longer be destroyed (librdkafka 2.0.2 keeps a reference),
  // so callers check this before describe_group().
  core::Result<bool> is_embedded_cluster();

  // The group's state and members (DescribeGroups). Errors: errc::timed_out or
  // errc::request_failed when the cluster does not answer it (the embedded cluster does not).
  core::Result<GroupDescription> describe_group(const std::string& group);

  // Lag of `group` on every partition of `topic`, in partition order.
  core::Result<std::vector<PartitionLag>> lag(const std::string& group, const std::string& topic);

 private:
  explicit Admin(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  // ListConsumerGroupOffsets of `partitions`.
  core::Result<core::Positions> list_group_offsets(const std::string& group,
                                                   const rd_kafka_topic_partition_list_t* partitions,
                                                   const std::string& what);
  int timeout_ms() const;
  core::Result<MetadataHandle> cluster_metadata();
  // errc::not_supported, saying why, unless the cluster names a controller among its
  // brokers (the requests above go to it; the embedded cluster names broker 0, which
  // does not exist, and librdkafka would wait for it until the timeout).
  core::Result<void> require_controller(const std::string& what);
  // The result of `type` for the request just sent, or errc::timed_out, or the error the
  // whole request failed with; `what` ("creating topic t") starts each error.
  core::Result<EventHandle> await_result(rd_kafka_event_type_t type, const std::string& what);
  // require_controller(), then `send` the request (CreateTopics, CreatePartitions or
  // DeleteTopics, of one topic) with options bounded by the timeout, then its topic's result.
  core::Result<void> topic_request(rd_kafka_admin_op_t op, const std::string& what,
                                   const std::function<void(rd_kafka_AdminOptions_t*)>& send);

  std::chrono::milliseconds timeout_;
  KafkaHandle rk_;
  QueueHandle queue_;  // admin results; released before rk_
};

// One-shot helpers for callers that need a single answer.
core::Result<void> ensure_topic(const ClientConfig& config, const std::string& topic,
                                int partitions, int replication,
                                std::chrono::milliseconds timeout = std::chrono::seconds{10},
                                const std::map<std::string, std::string>& configs = {});
core::Result<int> partition_count(const ClientConfig& config, const std::string& topic,
                                  std::chrono::milliseconds timeout = std::chrono::seconds{10});

}  // namespace tokenflow::kafka
