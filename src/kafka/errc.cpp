#include "kafka/errc.hpp"

#include <string>

namespace tokenflow::kafka {
namespace {

class KafkaCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tokenflow.kafka"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok:
        return "success";
      case errc::invalid_config:
        return "Kafka client configuration is invalid; fix the named property (-X key=value)";
      case errc::transport_failure:
        return "Kafka brokers cannot be reached; check --kafka-bootstrap and the network";
      case errc::delivery_failed:
        return "a message was not acknowledged by Kafka";
      case errc::fatal:
        return "the Kafka client hit a fatal error and must be restarted";
      case errc::offset_out_of_range:
        return "offset out of range: the data was deleted by retention or the offset is "
               "ahead of the log; reset it deliberately (tokenflow replay)";
      case errc::timed_out:
        return "a Kafka operation timed out";
      case errc::unknown_topic:
        return "the Kafka topic or partition does not exist";
      case errc::commit_failed:
        return "the consumer group coordinator refused the commit";
      case errc::assignment_failed:
        return "partitions could not be (un)assigned after a rebalance";
      case errc::request_failed:
        return "a Kafka request failed";
      case errc::cluster_failed:
        return "the embedded Kafka cluster could not be created or changed";
      case errc::not_supported:
        return "the Kafka cluster does not accept this admin request; librdkafka's embedded "
               "cluster accepts none of CreateTopics, CreatePartitions, DeleteTopics and "
               "DescribeConfigs";
      case errc::topic_exists:
        return "the Kafka topic already exists";
    }
    return "unknown kafka error";
  }
};

}  // namespace

const std::error_category& kafka_category() noexcept {
  static const KafkaCategory category;
  return category;
}

errc classify(rd_kafka_resp_err_t err) noexcept {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return errc::ok;
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
      return errc::fatal;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return errc::transport_failure;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
      return errc::delivery_failed;
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return errc::offset_out_of_range;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
      return errc::timed_out;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return errc::unknown_topic;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return errc::topic_exists;
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
      return errc::not_supported;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__CONFLICT:
      return errc::invalid_config;
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE:
      return errc::commit_failed;
    default:
      return errc::request_failed;
  }
}

core::Error make_error(rd_kafka_resp_err_t err, std::string_view context) {
  std::string message(context);
  message += ": ";
  message += rd_kafka_err2str(err);
  message += " (";
  message += rd_kafka_err2name(err);
  message += ')';
  return make_error(classify(err), std::move(message));
}

}  // namespace tokenflow::kafka
