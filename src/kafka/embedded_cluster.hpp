// EmbeddedCluster: an in-memory Kafka-protocol cluster (librdkafka's mock cluster) for
// `tokenflow up`, `tokenflow broker` and the tests. Any Kafka client (ours, kcat, Java)
// connects to bootstrap_servers(); it speaks produce, fetch, list-offsets, metadata,
// consumer groups with offset commits, and the idempotent and transactional producer.
//
// What callers must respect (librdkafka 2.0.2):
// - It keeps no data across restarts: destroying this object destroys the cluster and
//   everything in it.
// - Retention is short: at most 5 MiB or 100,000 message sets per partition, the oldest
//   deleted beyond that. A consumer that falls that far behind finds its offset out of
//   range (Consumer reports it loudly, never resets past unread data), so bulk topics get
//   more partitions and consumers run alongside producers.
// - Topics are created with create_topic(), not the CreateTopics admin request, which the
//   mock does not implement (kafka::ensure_topic is for real clusters). The mock answers
//   metadata requests only up to version 2, which cannot say "do not create", so producing
//   to, or even looking up (partition_count, watermarks), an unknown topic creates it with
//   4 partitions: on the mock a missing topic cannot be detected, only pre-created.
// - Its group coordinator waits 3 s before the first assignment of a group and, when a
//   member joins or leaves, up to session.timeout.ms - 1 s for the others to rejoin (tests
//   use a short session timeout). It refuses offset commits while a rebalance is in progress
//   (REBALANCE_IN_PROGRESS), including from the revocation callback.
// - A fetch returns at most one message set per partition, and an empty fetch waits
//   fetch.wait.max.ms.
// - broker_down() refuses connections but does not move partition leadership: clients wait
//   (and retry) until broker_up().
// - The idempotent producer's sequence numbers are checked only for transactional
//   producers, so a produce request that was appended but whose answer was lost (a
//   connection cut at that instant) is appended again on retry.
//
// Lifecycle: create() on any thread; every method may be called from any thread (each is a
// request to the cluster's own thread). Clients should be destroyed before the cluster.
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/position.hpp"
#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/handles.hpp"

namespace tokenflow::kafka {

class EmbeddedCluster {
 public:
  // What the mock keeps per partition before it deletes the oldest messages, unread or not.
  static constexpr std::uint64_t kRetentionBytes = 5ull * 1024 * 1024;

  // Brokers get ids 1..brokers. Errors: errc::cluster_failed.
  static core::Result<std::unique_ptr<EmbeddedCluster>> create(int brokers = 3);
  ~EmbeddedCluster();
  EmbeddedCluster(const EmbeddedCluster&) = delete;
  EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

  const std::string& bootstrap_servers() const noexcept { return bootstrap_servers_; }
  int broker_count() const noexcept { return brokers_; }
  // A ClientConfig pointing at this cluster, for roles started in the same process.
  ClientConfig client_config() const { return ClientConfig{bootstrap_servers_, {}}; }

  // Creates `name` with `partitions` partitions (leaders spread over the brokers). A topic
  // that already exists is left as it is (success). Errors: errc::cluster_failed.
  core::Result<void> create_topic(const std::string& name, int partitions, int replication = 1);

  // Fault injection.
  core::Result<void> broker_down(std::int32_t broker_id);
  core::Result<void> broker_up(std::int32_t broker_id);
  core::Result<void> set_rtt(std::int32_t broker_id, std::chrono::milliseconds rtt);
  core::Result<void> set_partition_leader(const std::string& topic, core::Partition partition,
                                          std::int32_t broker_id);
  // The next requests of `api_key` (0 Produce, 1 Fetch, 8 OffsetCommit, ...), on any
  // broker, fail with these errors in order, one per request.
  void push_request_errors(std::int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errors);
  void clear_request_errors(std::int16_t api_key);
  // The same for one broker only, each error answered after `rtt`; request_errors_left()
  // tells how many of them have not been used yet (so a test can prove they were hit).
  core::Result<void> push_broker_request_errors(std::int32_t broker_id, std::int16_t api_key,
                                                const std::vector<rd_kafka_resp_err_t>& errors,
                                                std::chrono::milliseconds rtt = {});
  core::Result<std::size_t> request_errors_left(std::int32_t broker_id, std::int16_t api_key);

 private:
  EmbeddedCluster() = default;

  int brokers_ = 0;
  std::string bootstrap_servers_;
  KafkaHandle host_;                            // the rd_kafka_t the cluster lives in
  rd_kafka_mock_cluster_t* cluster_ = nullptr;  // destroyed before host_
};

}  // namespace tokenflow::kafka
