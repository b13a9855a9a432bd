#include "kafka/producer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kafka/errc.hpp"
#include "kafka/timeout.hpp"

namespace tokenflow::kafka {
namespace {

constexpr int kQueueFullPollMs = 100;

void* tag_to_opaque(std::uint64_t tag) {
  return reinterpret_cast<void*>(static_cast<std::uintptr_t>(tag));
}

std::uint64_t opaque_to_tag(void* opaque) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(opaque));
}

std::string_view key_of(const rd_kafka_message_t* m) {
  if (m->key == nullptr) return {};
  return {static_cast<const char*>(m->key), m->key_len};
}

const char* persistence_of(const rd_kafka_message_t* m) {
  switch (rd_kafka_message_status(m)) {
    case RD_KAFKA_MSG_STATUS_NOT_PERSISTED:
      return "not persisted";
    case RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED:
      return "possibly persisted";
    case RD_KAFKA_MSG_STATUS_PERSISTED:
      return "persisted";
  }
  return "unknown";
}

}  // namespace

Producer::Producer(ProducerOptions options) : options_(std::move(options)) {}

core::Result<std::unique_ptr<Producer>> Producer::create(const ClientConfig& config,
                                                         ProducerOptions options) {
  const Properties defaults = {
      {"client.id", options.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"compression.type", options.compression},
      {"linger.ms", std::to_string(options.linger_ms)},
  };
  auto conf = make_conf(config, defaults);
  if (!conf) return std::move(conf).error();

  std::unique_ptr<Producer> producer(new Producer(std::move(options)));
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::on_delivery_report);
  rd_kafka_conf_set_error_cb(conf->get(), &Producer::on_error);

  std::array<char, 512> errstr{};
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr.data(), errstr.size());
  if (rk == nullptr) {
    return make_error(errc::invalid_config,
                      std::string("cannot create Kafka producer: ") + errstr.data());
  }
  conf->release();  // rd_kafka_new took ownership
  producer->rk_.reset(rk);
  spdlog::info("kafka producer {} created (bootstrap {})", rd_kafka_name(rk),
               config.bootstrap_servers);
  return producer;
}

Producer::~Producer() {
  if (!rk_) return;
  const int queued = rd_kafka_outq_len(rk_.get());
  if (queued > 0) {
    if (auto flushed = flush(options_.close_timeout); !flushed) {
      const int left = rd_kafka_outq_len(rk_.get());
      spdlog::error(
          "kafka producer {} closing: {}; {} message(s) left undelivered are "
          "abandoned (the source re-sends what it did not see acknowledged)",
          rd_kafka_name(rk_.get()), flushed.error().message, left);
      // Purged messages get a failed delivery report, so the owner's counts stay true.
      rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
      rd_kafka_poll(rk_.get(), 0);
    }
  }
  rk_.reset();
}

core::Result<void> Producer::produce(const std::string& topic, std::string_view key,
                                     std::string_view payload, std::span<const Header> headers,
                                     std::uint64_t tag) {
  return produce_impl(topic, RD_KAFKA_PARTITION_UA, key, payload, headers, tag);
}

core::Result<void> Producer::produce(const std::string& topic, core::Partition partition,
                                     std::string_view key, std::string_view payload,
                                     std::span<const Header> headers, std::uint64_t tag) {
  return produce_impl(topic, partition.value, key, payload, headers, tag);
}

core::Result<void> Producer::produce_impl(const std::string& topic, std::int32_t partition,
                                          std::string_view key, std::string_view payload,
                                          std::span<const Header> headers, std::uint64_t tag) {
  if (fatal_.load(std::memory_order_acquire)) {
    return fatal_or(make_error(errc::fatal, "producer is in a fatal state"));
  }
  HeadersHandle owned_headers;
  if (!headers.empty()) {
    owned_headers.reset(rd_kafka_headers_new(headers.size()));
    for (const auto& h : headers) {
      rd_kafka_header_add(owned_headers.get(), h.name.data(), static_cast<ssize_t>(h.name.size()),
                          h.value.data(), static_cast<ssize_t>(h.value.size()));
    }
  }

  std::array<rd_kafka_vu_t, 7> vus{};
  std::size_t n = 0;
  vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
  vus[n++].u.cstr = topic.c_str();
  vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
  vus[n++].u.i32 = partition;
  vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
  vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
  vus[n].u.mem.ptr = const_cast<char*>(payload.data());  // copied (RD_KAFKA_MSG_F_COPY)
  vus[n++].u.mem.size = payload.size();
  if (!key.empty()) {
    vus[n].vtype = RD_KAFKA_VTYPE_KEY;
    vus[n].u.mem.ptr = const_cast<char*>(key.data());
    vus[n++].u.mem.size = key.size();
  }
  vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vus[n++].u.ptr = tag_to_opaque(tag);
  if (owned_headers) {
    vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
    vus[n++].u.headers = owned_headers.get();
  }

  bool waited = false;
  for (;;) {
    ErrorHandle error(rd_kafka_produceva(rk_.get(), vus.data(), n));
    if (!error) break;
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error.get());
    if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Backpressure: librdkafka's queue is full until deliveries complete. Serve delivery
      // reports (which frees room) and try again; never drop the message.
      probe_.queue_full.add();
      if (!waited) {
        spdlog::debug("kafka producer queue full producing to {}: waiting for deliveries", topic);
        waited = true;
      }
      rd_kafka_poll(rk_.get(), kQueueFullPollMs);
      if (fatal_.load(std::memory_order_acquire)) {
        return fatal_or(make_error(errc::fatal, "producer is in a fatal state"));
      }
      continue;
    }
    std::string context = "cannot produce to " + topic;
    if (partition != RD_KAFKA_PARTITION_UA) context += "[" + std::to_string(partition) + "]";
    context += " (key '" + std::string(key) + "', " + std::to_string(payload.size()) + " bytes)";
    if (code == RD_KAFKA_RESP_ERR__FATAL) return fatal_or(make_error(code, context));
    return make_error(code, context);
  }
  (void)owned_headers.release();  // librdkafka owns the headers once the message is queued
  probe_.produced.add();
  rd_kafka_poll(rk_.get(), 0);
  return core::success();
}

int Producer::poll(std::chrono::milliseconds timeout) {
  return rd_kafka_poll(rk_.get(), to_timeout_ms(timeout));
}

core::Result<void> Producer::flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), to_timeout_ms(timeout));
  if (fatal_.load(std::memory_order_acquire)) {
    return fatal_or(make_error(errc::fatal, "producer is in a fatal state"));
  }
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    const int left = rd_kafka_outq_len(rk_.get());
    return make_error(errc::timed_out,
                      "kafka producer flush timed out after " + std::to_string(timeout.count()) +
                          " ms with " + std::to_string(left) +
                          " message(s) still undelivered; check that the brokers are "
                          "reachable (--kafka-bootstrap)");
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "kafka producer flush");
  return core::success();
}

int Producer::in_flight() const { return rd_kafka_outq_len(rk_.get()); }

std::optional<core::Error> Producer::fatal_error() const {
  std::lock_guard lock(fatal_mutex_);
  return fatal_error_;
}

core::Error Producer::fatal_or(core::Error fallback) const {
  std::lock_guard lock(fatal_mutex_);
  return fatal_error_ ? *fatal_error_ : std::move(fallback);
}

void Producer::on_delivery_report(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                                  void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  DeliveryReport report;
  report.topic = message->rkt != nullptr ? rd_kafka_topic_name(message->rkt) : "";
  report.partition = core::Partition{message->partition};
  report.offset = core::Offset{message->err == RD_KAFKA_RESP_ERR_NO_ERROR ? message->offset : -1};
  report.key = key_of(message);
  report.tag = opaque_to_tag(message->_private);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->probe_.delivered.add();
    self->probe_.delivered_bytes.add(message->len + message->key_len);
  } else {
    self->probe_.failed.add();
    std::string context = "delivery to " + std::string(report.topic) + "[" +
                          std::to_string(message->partition) + "] failed (key '" +
                          std::string(report.key) + "', " + persistence_of(message) + ")";
    report.error = make_error(message->err, context);
    spdlog::error("kafka {}", report.error->message);
  }
  if (self->options_.on_delivery) self->options_.on_delivery(report);
}

void Producer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> buf{};
    const rd_kafka_resp_err_t original = rd_kafka_fatal_error(rk, buf.data(), buf.size());
    auto error = make_error(errc::fatal, std::string("kafka producer ") + rd_kafka_name(rk) +
                                             " fatal error " + rd_kafka_err2name(original) + ": " +
                                             buf.data() + "; the producer must be restarted");
    spdlog::critical("{}", error.message);
    self->probe_.fatal_errors.add();
    {
      std::lock_guard lock(self->fatal_mutex_);
      if (!self->fatal_error_) self->fatal_error_ = std::move(error);
    }
    self->fatal_.store(true, std::memory_order_release);
    return;
  }
  self->probe_.errors.add();
  // Client-level errors are informational: librdkafka keeps retrying (e.g. all brokers
  // down). A connection failure was already logged by librdkafka itself.
  spdlog::log(code == RD_KAFKA_RESP_ERR__TRANSPORT ? spdlog::level::debug : spdlog::level::warn,
              "kafka producer {}: {} ({})", rd_kafka_name(rk), reason != nullptr ? reason : "",
              rd_kafka_err2name(code));
}

}  // namespace tokenflow::kafka
