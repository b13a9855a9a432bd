// read_topic_tail: the last messages of every partition of a topic, read without joining a
// consumer group (partitions are assigned directly, nothing is committed). A role that
// publishes derived events reads back what it published last to recognise what it already
// sent after a restart (the alert monitor's redelivery guard).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "kafka/client_config.hpp"

namespace tokenflow::kafka {

struct TailReadSummary {
  int partitions = 0;
  std::uint64_t messages = 0;
};

// Calls `on_message(payload)` for up to `per_partition` messages at the end of each partition
// of `topic`, as they stand when called. A topic that does not exist yet has no tail (a
// summary of zeros). Errors: errc::timed_out when the tail is not read within `timeout`;
// errc::invalid_config; errc::request_failed.
core::Result<TailReadSummary> read_topic_tail(
    const ClientConfig& config, const std::string& topic, std::uint64_t per_partition,
    std::chrono::milliseconds timeout, const std::function<void(std::string_view)>& on_message);

}  // namespace tokenflow::kafka
