#include "kafka/embedded_cluster.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <cstring>

#include "kafka/errc.hpp"
#include "kafka/log_bridge.hpp"

namespace tokenflow::kafka {
namespace {

// The host handle never connects anywhere, so librdkafka's warning that it has no
// bootstrap.servers is noise; everything else (the mock brokers log through this handle)
// goes to spdlog.
void host_log_cb(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  if (facility != nullptr && std::strcmp(facility, "CONFWARN") == 0) return;
  log_to_spdlog(rk, level, facility, text);
}

core::Result<void> check(rd_kafka_resp_err_t err, const std::string& what) {
  if (!err) return core::success();
  return make_error(errc::cluster_failed, "embedded Kafka cluster: " + what + ": " +
                                              rd_kafka_err2str(err) + " (" +
                                              rd_kafka_err2name(err) + ")");
}

}  // namespace

core::Result<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::create(int brokers) {
  if (brokers < 1) {
    return make_error(errc::cluster_failed,
                      "embedded Kafka cluster needs at least one broker, "
                      "not " +
                          std::to_string(brokers));
  }
  ConfHandle conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), host_log_cb);
  if (auto r = set_property(conf.get(), "client.id", "tokenflow-embedded-cluster"); !r) {
    return std::move(r).error();
  }
  // TCP_NODELAY on the brokers' side of every connection. The mock brokers set up each
  // connection they accept with the configuration of this host handle (librdkafka 2.0.2:
  // rd_kafka_mock_connection_new -> rd_kafka_transport_post_connect_setup), and write each
  // response with its own send(). Under Nagle, a response written while the previous one on
  // the same connection is still unacknowledged is held in the kernel until the client's
  // ACK, which a client that waits for answers and sends nothing delays by Linux's
  // delayed-ACK timer (40 ms). librdkafka 2.0.2 sends one produce request per partition, so
  // a producer flushing a batch that spans several partitions of one broker got every answer
  // but the first ~43 ms late: a constant ~43 ms per acknowledged page (10 to 1000 messages),
  // 0.5-3 ms with this. Nagle on our clients' side plays no part (socket.nagle.disable on
  // them changed nothing). A librdkafka that ignored this would only be slower: never fail.
  if (auto r = set_property(conf.get(), "socket.nagle.disable", "true"); !r) {
    spdlog::warn(
        "embedded Kafka cluster: cannot disable Nagle on the brokers' connections ({}); "
        "acknowledgements of several requests at once may each wait ~40 ms",
        r.error().message);
  } else {
    spdlog::debug(
        "embedded Kafka cluster: socket.nagle.disable=true on the host handle, so the mock "
        "brokers' accepted connections get TCP_NODELAY");
  }
  std::array<char, 512> errstr{};
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size());
  if (rk == nullptr) {
    return make_error(
        errc::cluster_failed,
        std::string("embedded Kafka cluster: cannot create its host handle: ") + errstr.data());
  }
  conf.release();

  std::unique_ptr<EmbeddedCluster> cluster(new EmbeddedCluster());
  cluster->host_.reset(rk);
  cluster->cluster_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster->cluster_ == nullptr) {
    return make_error(errc::cluster_failed, "embedded Kafka cluster: cannot start " +
                                                std::to_string(brokers) +
                                                " mock brokers (no free localhost ports?)");
  }
  cluster->brokers_ = brokers;
  cluster->bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(cluster->cluster_);
  spdlog::info(
      "embedded Kafka cluster: {} broker(s) at {} (in memory: nothing is kept "
      "across restarts)",
      brokers, cluster->bootstrap_servers_);
  return cluster;
}

EmbeddedCluster::~EmbeddedCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  cluster_ = nullptr;
  host_.reset();
}

core::Result<void> EmbeddedCluster::create_topic(const std::string& name, int partitions,
                                                 int replication) {
  const auto err = rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, replication);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return core::success();
  return check(err, "cannot create topic " + name + " with " + std::to_string(partitions) +
                        " partition(s), replication " + std::to_string(replication));
}

core::Result<void> EmbeddedCluster::broker_down(std::int32_t broker_id) {
  return check(rd_kafka_mock_broker_set_down(cluster_, broker_id),
               "cannot take broker " + std::to_string(broker_id) + " down");
}

core::Result<void> EmbeddedCluster::broker_up(std::int32_t broker_id) {
  return check(rd_kafka_mock_broker_set_up(cluster_, broker_id),
               "cannot bring broker " + std::to_string(broker_id) + " up");
}

core::Result<void> EmbeddedCluster::set_rtt(std::int32_t broker_id, std::chrono::milliseconds rtt) {
  return check(rd_kafka_mock_broker_set_rtt(cluster_, broker_id, static_cast<int>(rtt.count())),
               "cannot set the round-trip time of broker " + std::to_string(broker_id));
}

core::Result<void> EmbeddedCluster::set_partition_leader(const std::string& topic,
                                                         core::Partition partition,
                                                         std::int32_t broker_id) {
  return check(
      rd_kafka_mock_partition_set_leader(cluster_, topic.c_str(), partition.value, broker_id),
      "cannot make broker " + std::to_string(broker_id) + " the leader of " + topic + "[" +
          std::to_string(partition.value) + "]");
}

void EmbeddedCluster::push_request_errors(std::int16_t api_key,
                                          const std::vector<rd_kafka_resp_err_t>& errors) {
  if (errors.empty()) return;
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errors.size(), errors.data());
}

void EmbeddedCluster::clear_request_errors(std::int16_t api_key) {
  rd_kafka_mock_clear_request_errors(cluster_, api_key);
}

core::Result<void> EmbeddedCluster::push_broker_request_errors(
    std::int32_t broker_id, std::int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errors,
    std::chrono::milliseconds rtt) {
  for (const auto err : errors) {
    // One call per error keeps them in order; the C call takes (error, rtt) varargs pairs.
    auto pushed = check(rd_kafka_mock_broker_push_request_error_rtts(
                            cluster_, broker_id, api_key, 1, err, static_cast<int>(rtt.count())),
                        "cannot inject errors on broker " + std::to_string(broker_id));
    if (!pushed) return pushed;
  }
  return core::success();
}

core::Result<std::size_t> EmbeddedCluster::request_errors_left(std::int32_t broker_id,
                                                               std::int16_t api_key) {
  std::size_t count = 0;
  auto checked = check(rd_kafka_mock_broker_error_stack_cnt(cluster_, broker_id, api_key, &count),
                       "cannot read the injected errors of broker " + std::to_string(broker_id));
  if (!checked) return std::move(checked).error();
  return count;
}

}  // namespace tokenflow::kafka
