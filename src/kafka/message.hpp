// Message: one consumed Kafka message (or a per-partition error), owning librdkafka's
// rd_kafka_message_t and releasing it on destruction. Views returned by the accessors point
// into the message and are valid while it lives; nothing is copied.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/position.hpp"
#include "core/result.hpp"

namespace tokenflow::kafka {

class Message {
 public:
  explicit Message(rd_kafka_message_t* message) noexcept : message_(message) {}
  ~Message() { reset(); }
  Message(Message&& other) noexcept : message_(std::exchange(other.message_, nullptr)) {}
  Message& operator=(Message&& other) noexcept {
    if (this != &other) {
      reset();
      message_ = std::exchange(other.message_, nullptr);
    }
    return *this;
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  std::string_view topic() const noexcept;
  core::Partition partition() const noexcept { return core::Partition{message_->partition}; }
  core::Offset offset() const noexcept { return core::Offset{message_->offset}; }
  // The position to commit once this message is processed: offset + 1.
  core::PartitionPosition next_position() const;
  std::string_view key() const noexcept;
  std::string_view payload() const noexcept;
  // Milliseconds since the epoch (create or log-append time), nullopt when absent.
  std::optional<std::int64_t> timestamp_ms() const noexcept;
  // The last value of header `name`, nullopt when absent.
  std::optional<std::string_view> header(const char* name) const noexcept;

  // Set when this is not a message but an error about a partition (e.g. offset out of
  // range); the message text names topic[partition]@offset.
  std::optional<core::Error> error() const;
  bool is_error() const noexcept { return message_->err != RD_KAFKA_RESP_ERR_NO_ERROR; }
  rd_kafka_resp_err_t error_code() const noexcept { return message_->err; }

  // "topic[partition]@offset", as log lines name a message.
  std::string describe() const;

  const rd_kafka_message_t* raw() const noexcept { return message_; }

 private:
  void reset() noexcept {
    if (message_ != nullptr) rd_kafka_message_destroy(message_);
    message_ = nullptr;
  }
  rd_kafka_message_t* message_;
};

}  // namespace tokenflow::kafka
