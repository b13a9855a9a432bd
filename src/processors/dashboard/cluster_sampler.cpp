#include "processors/dashboard/cluster_sampler.hpp"

#include <algorithm>
#include <map>

#include "core/timestamp.hpp"

namespace tokenflow::processors {

const char* group_status_name(GroupStatus status) {
  switch (status) {
    case GroupStatus::ok: return "ok";
    case GroupStatus::falling_behind: return "falling behind";
    case GroupStatus::stalled: return "stalled";
    case GroupStatus::no_offsets: return "no offsets yet";
    case GroupStatus::unknown: return "unknown";
  }
  return "unknown";
}

core::Result<std::unique_ptr<ClusterSampler>> ClusterSampler::create(
    const kafka::ClientConfig& config, ClusterSamplerOptions options) {
  auto admin = kafka::Admin::create(config, std::chrono::seconds(3));
  if (!admin.ok()) return std::move(admin).error();
  auto timestamps = kafka::MessageSampler::create(config);
  if (!timestamps.ok()) return std::move(timestamps).error();
  std::unique_ptr<ClusterSampler> sampler(new ClusterSampler());
  sampler->options_ = std::move(options);
  sampler->admin_ = std::move(admin).value();
  // The embedded cluster refuses DescribeGroups, and a client that asked it cannot be
  // destroyed afterwards (Admin::is_embedded_cluster): never ask it.
  if (auto embedded = sampler->admin_->is_embedded_cluster(); embedded.ok() && *embedded) {
    sampler->options_.describe_groups = false;
  }
  sampler->timestamps_ = std::move(timestamps).value();
  for (const auto& spec : sampler->options_.groups) {
    GroupSample group;
    group.name = spec.name;
    group.topics = spec.topics;
    sampler->groups_.push_back(std::move(group));
  }
  sampler->histories_.resize(sampler->groups_.size());
  return sampler;
}

void ClusterSampler::sample() {
  const auto now = std::chrono::steady_clock::now();
  error_.clear();
  sample_topics(now);
  // Group states and members every 5th round (not the first: the page fills at once). A
  // cluster that does not answer (the embedded one) costs a timeout, so it is asked again
  // only every 300 rounds, and not for the other groups of that round.
  bool describe = options_.describe_groups && ++rounds_ % (describe_unsupported_ ? 300 : 5) == 0;
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    if (describe) {
      auto described = admin_->describe_group(groups_[i].name);
      if (described.ok()) {
        groups_[i].state = described->state;
        groups_[i].members = static_cast<int>(described->members.size());
        describe_unsupported_ = false;
      } else {
        describe_unsupported_ = true;
        describe = false;
        for (auto& g : groups_) {
          g.state.clear();
          g.members = -1;
        }
      }
    }
    sample_group(groups_[i], now);
    auto& points = histories_[i].points;
    std::int64_t committed = 0;
    for (const auto& p : groups_[i].partitions) committed += std::max<std::int64_t>(0, p.committed);
    if (groups_[i].error.empty()) points.push_back({now, groups_[i].lag, committed});
    while (!points.empty() && now - points.front().at > 2 * options_.stalled_after) {
      points.pop_front();
    }
    groups_[i].status = groups_[i].error.empty() ? status_of(groups_[i], now) : GroupStatus::unknown;
  }
  last_sample_ = now;
}

void ClusterSampler::sample_topics(std::chrono::steady_clock::time_point now) {
  std::vector<kafka::TopicInfo> wanted;
  if (options_.topics.empty()) {
    auto listed = admin_->topics();
    if (!listed.ok()) {
      error_ = listed.error().message;
      return;
    }
    wanted = std::move(listed).value();
  } else {
    for (const auto& name : options_.topics) {
      auto partitions = admin_->partition_count(name);
      wanted.push_back({name, partitions.ok() ? *partitions : 0});
    }
  }
  std::vector<TopicSample> next;
  next.reserve(wanted.size());
  const double seconds =
      last_sample_ ? std::chrono::duration<double>(now - *last_sample_).count() : 0;
  // Every partition of every topic in one batched request.
  kafka::TopicPartitions partitions;
  for (const auto& info : wanted) {
    for (int p = 0; p < info.partitions; ++p) partitions.push_back({info.name, core::Partition{p}});
  }
  auto marks = admin_->watermarks(partitions);
  if (!marks.ok()) error_ = marks.error().message;
  std::size_t at = 0;
  for (const auto& info : wanted) {
    TopicSample topic;
    topic.name = info.name;
    topic.partitions = info.partitions;
    for (int p = 0; p < info.partitions; ++p, ++at) {
      if (!marks.ok()) continue;
      const auto& partition_marks = (*marks)[at];
      topic.written += partition_marks.high.value;
      topic.retained += partition_marks.high.value - partition_marks.low.value;
    }
    auto previous = std::find_if(topics_.begin(), topics_.end(),
                                 [&](const TopicSample& t) { return t.name == info.name; });
    if (previous != topics_.end()) {
      topic.history = std::move(previous->history);
      if (seconds > 0) {
        topic.rate = std::max(0.0, static_cast<double>(topic.written - previous->written) / seconds);
      }
    }
    topic.history.push_back(topic.rate);
    while (topic.history.size() > options_.history) topic.history.pop_front();
    next.push_back(std::move(topic));
  }
  topics_ = std::move(next);
}

void ClusterSampler::sample_group(GroupSample& group, std::chrono::steady_clock::time_point) {
  group.error.clear();
  std::vector<PartitionLagSample> partitions;
  core::Positions unread;
  for (const auto& topic : group.topics) {
    auto lags = admin_->lag(group.name, topic);
    if (!lags.ok()) {
      group.error = lags.error().message;
      return;  // keep the last good sample on screen
    }
    for (const auto& lag : *lags) {
      PartitionLagSample sample;
      sample.topic = topic;
      sample.partition = lag.partition.value;
      sample.log_start = lag.watermarks.low.value;
      sample.log_end = lag.watermarks.high.value;
      sample.committed = lag.committed ? lag.committed->value : -1;
      sample.lag = lag.lag;
      if (lag.committed && lag.committed->value < lag.watermarks.low.value) {
        sample.lost = lag.watermarks.low.value - lag.committed->value;
      }
      if (sample.lag > 0) {
        const auto from = std::max(sample.log_start, sample.committed < 0 ? sample.log_start
                                                                          : sample.committed);
        unread.push_back({topic, lag.partition, core::Offset{from}});
      }
      partitions.push_back(sample);
    }
  }
  // The oldest unread message's timestamp gives the lag in seconds.
  const auto stamps = timestamps_->timestamps(unread, std::chrono::milliseconds(300));
  const auto now_ms = core::now_millis().value;
  group.lag = 0;
  group.lag_seconds.reset();
  for (auto& sample : partitions) {
    group.lag += sample.lag;
    if (sample.lag == 0) continue;
    auto it = stamps.find({sample.topic, sample.partition});
    if (it == stamps.end()) continue;
    sample.lag_seconds = std::max(0.0, static_cast<double>(now_ms - it->second) / 1000.0);
    group.lag_seconds = std::max(group.lag_seconds.value_or(0.0), *sample.lag_seconds);
  }
  group.partitions = std::move(partitions);
}

GroupStatus ClusterSampler::status_of(const GroupSample& group,
                                      std::chrono::steady_clock::time_point now) {
  const bool any_committed = std::any_of(group.partitions.begin(), group.partitions.end(),
                                         [](const PartitionLagSample& p) { return p.committed >= 0; });
  if (!any_committed) return GroupStatus::no_offsets;
  const auto& points = histories_[static_cast<std::size_t>(&group - groups_.data())].points;
  if (points.empty() || group.lag == 0) return GroupStatus::ok;
  // Stalled: messages wait and the committed offsets have not moved for stalled_after.
  const auto window_start = now - options_.stalled_after;
  if (points.front().at <= window_start) {
    bool moved = false;
    for (const auto& point : points) {
      if (point.at >= window_start && point.committed != points.back().committed) moved = true;
    }
    const auto before = std::find_if(points.rbegin(), points.rend(),
                                     [&](const auto& p) { return p.at <= window_start; });
    if (before != points.rend() && before->committed != points.back().committed) moved = true;
    if (!moved) return GroupStatus::stalled;
  }
  // Falling behind: the smallest lag of the last half of the window is well above the
  // smallest of the first half (a consumer committing in batches has a saw-tooth lag; its
  // low points rise only when it does not keep up).
  const auto half = now - options_.stalled_after / 2;
  std::int64_t early = INT64_MAX;
  std::int64_t late = INT64_MAX;
  for (const auto& point : points) {
    if (point.at < window_start) continue;
    (point.at < half ? early : late) = std::min(point.at < half ? early : late, point.lag);
  }
  if (early != INT64_MAX && late != INT64_MAX && late > early + std::max<std::int64_t>(100, early / 10)) {
    return GroupStatus::falling_behind;
  }
  return GroupStatus::ok;
}

}  // namespace tokenflow::processors
