// RetentionGate: keeps `up`'s sources from outrunning its consumers on a cluster that
// deletes unread messages. The embedded cluster keeps ~5 MiB per partition and silently
// drops the oldest beyond that; so whenever any of up's consumer groups has an unread
// backlog (from its committed offset: what a rewind re-reads) close to that on any
// partition, the gate closes and the simulators wait, until the backlog drains to half of that.
// A database outage of minutes then costs time, not events.
//
// Threads: update() on the dashboard's sampling thread; closed() and reason() anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "processors/dashboard/cluster_sampler.hpp"

namespace tokenflow::cli {

class RetentionGate {
 public:
  // `retention_bytes`: what the cluster keeps per partition; the gate closes at 70% of it
  // and opens again at 35%.
  // `bytes_per_message(topic)`: the average size of the topic's messages (0: unknown).
  // `role_of(group)`: the role a group belongs to, for "paused: sink behind".
  RetentionGate(std::uint64_t retention_bytes, std::function<double(const std::string&)> bytes_per_message,
                std::function<std::string(const std::string&)> role_of);

  void update(const processors::ClusterSampler& sampler);
  const std::atomic<bool>& closed() const { return closed_; }
  // "sink behind: stablecoin-transfers[6] holds 3.6 MiB unread" while closed, else "".
  std::string reason() const;
  std::uint64_t pauses() const { return pauses_.load(std::memory_order_relaxed); }

 private:
  std::uint64_t retention_bytes_;
  std::function<double(const std::string&)> bytes_per_message_;
  std::function<std::string(const std::string&)> role_of_;
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> pauses_{0};
  mutable std::mutex mutex_;
  std::string reason_;
};

}  // namespace tokenflow::cli
