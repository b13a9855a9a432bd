#include "kafka/admin_request.hpp"

#include <array>
#include <chrono>

namespace tokenflow::kafka {

AdminOptionsHandle make_admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op, int timeout_ms) {
  AdminOptionsHandle options(rd_kafka_AdminOptions_new(rk, op));
  std::array<char, 512> errstr{};
  // Both setters fail only for an out-of-range value or an op without an operation
  // timeout; neither can happen for what we pass.
  rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, errstr.data(),
                                            errstr.size());
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS ||
      op == RD_KAFKA_ADMIN_OP_DELETETOPICS) {
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, errstr.data(),
                                                errstr.size());
  }
  return options;
}

EventHandle wait_for_admin_result(rd_kafka_queue_t* queue, rd_kafka_event_type_t type,
                                  int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return nullptr;
    EventHandle event(rd_kafka_queue_poll(queue, static_cast<int>(left.count())));
    if (!event) return nullptr;
    if (rd_kafka_event_type(event.get()) == type) return event;
  }
}

}  // namespace tokenflow::kafka
