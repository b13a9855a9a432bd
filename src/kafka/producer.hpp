// Producer: the idempotent Kafka producer every source and processor writes through. It
// never drops a message: a full local queue is backpressure (it polls and retries), every
// delivery report is checked and counted, and an optional callback tells the owner which
// messages Kafka acknowledged, so a source advances its cursor only after acknowledgement.
//
// Lifecycle and threads: create() on any thread, then one owning thread calls produce(),
// poll() and flush(); delivery callbacks run on that thread, inside those calls (and inside
// the destructor, which flushes for at most ProducerOptions::close_timeout and logs what is
// left). The probe is readable from any thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/position.hpp"
#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/handles.hpp"
#include "kafka/metrics.hpp"

namespace tokenflow::kafka {

// A Kafka message header; both parts are copied by produce().
struct Header {
  std::string_view name;
  std::string_view value;
};

// The outcome of one produced message, as Kafka reported it. The views are valid only
// during the callback.
struct DeliveryReport {
  std::string_view topic{};
  core::Partition partition{};  // -1 if the message never got a partition
  core::Offset offset{};        // -1 unless delivered
  std::string_view key{};
  std::uint64_t tag = 0;               // what the owner passed to produce()
  std::optional<core::Error> error{};  // set when the message was not delivered

  bool ok() const noexcept { return !error.has_value(); }
};

struct ProducerOptions {
  std::string compression = "lz4";  // none, gzip, snappy, lz4, zstd
  int linger_ms = 5;                // batching delay; the benchmark lowers it
  std::string client_id = "tokenflow-producer";
  std::chrono::milliseconds close_timeout{10'000};           // the destructor's flush bound
  std::function<void(const DeliveryReport&)> on_delivery{};  // optional
};

class Producer {
 public:
  // Role defaults (each overridable with -X): enable.idempotence=true, acks=all,
  // partitioner=murmur2_random (the Java client's), compression.type, linger.ms.
  // Errors: errc::invalid_config naming the property, or librdkafka's reason.
  static core::Result<std::unique_ptr<Producer>> create(const ClientConfig& config,
                                                        ProducerOptions options = {});
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues a copy of the message. The partition comes from the key (murmur2; an empty key
  // is sent as no key and lands on a random partition). Blocks while the local queue is
  // full, serving delivery reports, until there is room: nothing is dropped. Errors are
  // immediate refusals (unknown topic, message too large, fatal error); delivery failures
  // come later through the delivery report.
  core::Result<void> produce(const std::string& topic, std::string_view key,
                             std::string_view payload, std::span<const Header> headers = {},
                             std::uint64_t tag = 0);
  // The same into an explicit partition.
  core::Result<void> produce(const std::string& topic, core::Partition partition,
                             std::string_view key, std::string_view payload,
                             std::span<const Header> headers = {}, std::uint64_t tag = 0);

  // Serves delivery reports and errors for up to `timeout`; returns the events served.
  int poll(std::chrono::milliseconds timeout = std::chrono::milliseconds{0});

  // Waits until every queued message has a delivery report, or `timeout`. Errors:
  // errc::timed_out naming how many messages are still undelivered; errc::fatal.
  core::Result<void> flush(std::chrono::milliseconds timeout);

  // Messages (and requests) not yet acknowledged.
  int in_flight() const;

  // Set once librdkafka reported a fatal error; the producer refuses further messages.
  std::optional<core::Error> fatal_error() const;

  const ProducerProbe& probe() const noexcept { return probe_; }
  rd_kafka_t* native_handle() noexcept { return rk_.get(); }

 private:
  explicit Producer(ProducerOptions options);
  core::Result<void> produce_impl(const std::string& topic, std::int32_t partition,
                                  std::string_view key, std::string_view payload,
                                  std::span<const Header> headers, std::uint64_t tag);
  core::Error fatal_or(core::Error fallback) const;

  static void on_delivery_report(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  ProducerOptions options_;
  ProducerProbe probe_;
  std::atomic<bool> fatal_{false};
  mutable std::mutex fatal_mutex_;
  std::optional<core::Error> fatal_error_;  // guarded by fatal_mutex_
  KafkaHandle rk_;
};

}  // namespace tokenflow::kafka
