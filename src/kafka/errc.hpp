// Error codes of the Kafka layer, with a std::error_category that gives one sentence per
// code, and the mapping from librdkafka's error codes onto them.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>
#include <string_view>
#include <system_error>

#include "core/result.hpp"

namespace tokenflow::kafka {

enum class errc {
  ok = 0,
  invalid_config,       // a property librdkafka rejects, or settings that contradict
  transport_failure,    // brokers cannot be reached (all down, DNS, TLS, connection refused)
  delivery_failed,      // a produced message was not acknowledged by Kafka
  fatal,                // the client hit a fatal error (e.g. idempotence broken) and must stop
  offset_out_of_range,  // a stored offset is no longer (or not yet) in the partition's log
  timed_out,            // an operation did not finish within its deadline
  unknown_topic,        // the topic or partition does not exist
  commit_failed,        // the group coordinator refused an offset commit
  assignment_failed,    // partitions could not be assigned or unassigned after a rebalance
  request_failed,       // any other error a broker or librdkafka answered
  cluster_failed,       // the embedded (mock) cluster could not be created or changed
  not_supported,        // the cluster does not accept this admin request (the embedded one)
  topic_exists,         // CreateTopics of a topic that already exists
};

const std::error_category& kafka_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), kafka_category()};
}

inline core::Error make_error(errc e, std::string message) {
  return core::Error{make_error_code(e), std::move(message)};
}

// Which of our codes a librdkafka error belongs to (RD_KAFKA_RESP_ERR_NO_ERROR -> ok).
errc classify(rd_kafka_resp_err_t err) noexcept;

// An Error for a librdkafka error code: "<context>: <librdkafka's sentence> (<ERR_NAME>)".
core::Error make_error(rd_kafka_resp_err_t err, std::string_view context);

}  // namespace tokenflow::kafka

template <>
struct std::is_error_code_enum<tokenflow::kafka::errc> : std::true_type {};
