// The plumbing every admin request of Admin shares: options that carry the request's
// timeout, and a bounded wait on the admin queue for that request's result. Internal to
// this folder (admin.cpp, admin_topics.cpp).
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>

#include "kafka/handles.hpp"

namespace tokenflow::kafka {

struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* p) const noexcept { rd_kafka_AdminOptions_destroy(p); }
};
using AdminOptionsHandle = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;

// Options for `op` whose request (and, for CreateTopics, CreatePartitions and DeleteTopics,
// the controller's operation) is bounded by `timeout_ms`.
AdminOptionsHandle make_admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms);

// The next result of `type` on `queue`, or nullptr once `timeout_ms` passed. A result of
// another type (an earlier call that timed out) is skipped.
EventHandle wait_for_admin_result(rd_kafka_queue_t* queue, rd_kafka_event_type_t type,
                                  int timeout_ms);

}  // namespace tokenflow::kafka
