#include "cli/retention_gate.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace tokenflow::cli {

RetentionGate::RetentionGate(std::uint64_t retention_bytes,
                             std::function<double(const std::string&)> bytes_per_message,
                             std::function<std::string(const std::string&)> role_of)
    : retention_bytes_(retention_bytes),
      bytes_per_message_(std::move(bytes_per_message)),
      role_of_(std::move(role_of)) {}

void RetentionGate::update(const processors::ClusterSampler& sampler) {
  double worst = 0;
  std::string where;
  std::string role;
  for (const auto& group : sampler.groups()) {
    if (!group.error.empty()) continue;  // unknown this round: keep the last verdict
    for (const auto& p : group.partitions) {
      const double size = bytes_per_message_(p.topic);
      const double backlog = static_cast<double>(p.lag) * (size > 0 ? size : 1024.0);
      if (backlog > worst) {
        worst = backlog;
        where = p.topic + "[" + std::to_string(p.partition) + "]";
        role = role_of_(group.name);
      }
    }
  }
  const bool was_closed = closed_.load(std::memory_order_relaxed);
  const double limit = 0.7 * static_cast<double>(retention_bytes_);
  const bool close = was_closed ? worst > limit / 2 : worst > limit;
  char mib[32];
  std::snprintf(mib, sizeof mib, "%.1f MiB", worst / (1024.0 * 1024.0));
  {
    std::lock_guard lock(mutex_);
    reason_ = close ? role + " behind: " + where + " holds " + mib + " unread" : "";
  }
  if (close && !was_closed) {
    pauses_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("up: pausing the simulators: {} behind: {} holds {} unread, near the embedded "
                 "cluster's retention of {} MiB per partition; they resume when it drains",
                 role, where, mib, retention_bytes_ / (1024 * 1024));
  } else if (!close && was_closed) {
    spdlog::info("up: resuming the simulators: every backlog is under {:.1f} MiB", limit / 2 / (1024 * 1024));
  }
  closed_.store(close, std::memory_order_relaxed);
}

std::string RetentionGate::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

}  // namespace tokenflow::cli
