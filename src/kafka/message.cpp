#include "kafka/message.hpp"

#include "kafka/errc.hpp"

namespace tokenflow::kafka {

std::string_view Message::topic() const noexcept {
  return message_->rkt != nullptr ? std::string_view(rd_kafka_topic_name(message_->rkt))
                                  : std::string_view();
}

core::PartitionPosition Message::next_position() const {
  return core::PartitionPosition{std::string(topic()), partition(),
                                 core::Offset{message_->offset + 1}};
}

std::string_view Message::key() const noexcept {
  if (message_->key == nullptr) return {};
  return {static_cast<const char*>(message_->key), message_->key_len};
}

std::string_view Message::payload() const noexcept {
  if (message_->payload == nullptr) return {};
  return {static_cast<const char*>(message_->payload), message_->len};
}

std::optional<std::int64_t> Message::timestamp_ms() const noexcept {
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  const std::int64_t ts = rd_kafka_message_timestamp(message_, &type);
  if (type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || ts < 0) return std::nullopt;
  return ts;
}

std::optional<std::string_view> Message::header(const char* name) const noexcept {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message_, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  const void* value = nullptr;
  std::size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return std::nullopt;
  }
  if (value == nullptr) return std::string_view();
  return std::string_view(static_cast<const char*>(value), size);
}

std::optional<core::Error> Message::error() const {
  if (message_->err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  std::string context = describe();
  const char* detail = rd_kafka_message_errstr(message_);
  if (detail != nullptr && *detail != '\0') {
    context += ": ";
    context += detail;
  }
  return make_error(message_->err, context);
}

std::string Message::describe() const {
  std::string out(topic().empty() ? std::string_view("-") : topic());
  out += '[';
  out += std::to_string(message_->partition);
  out += "]@";
  out += std::to_string(message_->offset);
  return out;
}

}  // namespace tokenflow::kafka
