// ClusterSampler: what the dashboard shows of the cluster itself, sampled once a second.
// Per topic: partitions, messages written (the sum of the partitions' end offsets), messages
// still retained, messages/s and its history. Per consumer group: for each partition of its
// topics the committed offset, the log's start and end, the lag in messages and in seconds
// (the age of the oldest unread message), and a status from the recent samples.
//
// Lifecycle and threads: create(), then one thread calls sample() and reads the results.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "kafka/admin.hpp"
#include "kafka/client_config.hpp"
#include "kafka/message_sampler.hpp"

namespace tokenflow::processors {

struct GroupSpec {
  std::string name;
  std::vector<std::string> topics;
};

struct PartitionLagSample {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t committed = -1;  // -1: the group never committed here
  std::int64_t log_start = 0;
  std::int64_t log_end = 0;
  std::int64_t lag = 0;
  std::optional<double> lag_seconds;  // age of the oldest unread message; none when lag is 0
  // Messages deleted before the group read them (its committed offset is below the log start).
  std::int64_t lost = 0;
};

enum class GroupStatus { ok, falling_behind, stalled, no_offsets, unknown };
const char* group_status_name(GroupStatus status);

struct GroupSample {
  std::string name;
  std::vector<std::string> topics;
  std::vector<PartitionLagSample> partitions;
  std::int64_t lag = 0;
  std::optional<double> lag_seconds;  // the largest of its partitions'
  GroupStatus status = GroupStatus::unknown;
  std::string error;  // why the group could not be read this time
  // From DescribeGroups, refreshed every few samples; state "" when the cluster does not
  // answer it (members then unknown: -1).
  std::string state;
  int members = -1;
};

struct TopicSample {
  std::string name;
  int partitions = 0;
  std::int64_t written = 0;   // sum of end offsets: every message ever written
  std::int64_t retained = 0;  // sum of (end - start): messages still in the log
  double rate = 0;            // messages/s over the last sample
  std::deque<double> history; // messages/s, one per sample, oldest first
};

struct ClusterSamplerOptions {
  std::vector<std::string> topics;  // empty: every topic of the cluster
  std::vector<GroupSpec> groups;
  std::size_t history = 600;        // samples kept per topic (10 minutes at 1/s)
  // A group with unread messages whose committed offsets did not move for this long.
  std::chrono::milliseconds stalled_after{15'000};
  // Ask for group states and members (DescribeGroups). Off for the embedded cluster, which
  // does not answer: each attempt would hold a round for the admin timeout.
  bool describe_groups = true;
};

class ClusterSampler {
 public:
  static core::Result<std::unique_ptr<ClusterSampler>> create(const kafka::ClientConfig& config,
                                                              ClusterSamplerOptions options);

  // One round of metadata and offset requests (bounded by the admin timeout).
  void sample();

  const std::vector<TopicSample>& topics() const { return topics_; }
  const std::vector<GroupSample>& groups() const { return groups_; }
  const std::string& error() const { return error_; }  // the last round's, if it failed

 private:
  ClusterSampler() = default;
  void sample_topics(std::chrono::steady_clock::time_point now);
  void sample_group(GroupSample& group, std::chrono::steady_clock::time_point now);
  GroupStatus status_of(const GroupSample& group, std::chrono::steady_clock::time_point now);

  struct GroupHistory {
    struct Point {
      std::chrono::steady_clock::time_point at;
      std::int64_t lag;
      std::int64_t committed;  // sum over partitions
    };
    std::deque<Point> points;
  };

  ClusterSamplerOptions options_;
  std::unique_ptr<kafka::Admin> admin_;
  std::unique_ptr<kafka::MessageSampler> timestamps_;
  std::vector<TopicSample> topics_;
  std::vector<GroupSample> groups_;
  std::vector<GroupHistory> histories_;
  std::optional<std::chrono::steady_clock::time_point> last_sample_;
  std::uint64_t rounds_ = 0;
  bool describe_unsupported_ = false;
  std::string error_;
};

}  // namespace tokenflow::processors
