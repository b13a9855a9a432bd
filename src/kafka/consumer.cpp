#include "kafka/consumer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "kafka/errc.hpp"
#include "kafka/timeout.hpp"

namespace tokenflow::kafka {
namespace {

// The logical offset a partition without a committed offset starts at, or nullopt when the
// policy is not one we know.
std::optional<std::int64_t> reset_offset_of(const std::string& policy) {
  if (policy == "earliest" || policy == "smallest" || policy == "beginning") {
    return RD_KAFKA_OFFSET_BEGINNING;
  }
  if (policy == "latest" || policy == "largest" || policy == "end") return RD_KAFKA_OFFSET_END;
  if (policy == "error") return RD_KAFKA_OFFSET_INVALID;
  return std::nullopt;
}

}  // namespace

const char* Consumer::describe_reset(std::int64_t offset) noexcept {
  if (offset == RD_KAFKA_OFFSET_BEGINNING) return "the earliest offset";
  if (offset == RD_KAFKA_OFFSET_END) return "the end of the log";
  return "nowhere (auto_offset_reset=error)";
}

Consumer::Consumer(ConsumerOptions options, RebalanceListener* listener, std::int64_t reset_offset)
    : options_(std::move(options)), listener_(listener), reset_offset_(reset_offset) {}

core::Result<std::unique_ptr<Consumer>> Consumer::create(const ClientConfig& config,
                                                         ConsumerOptions options,
                                                         RebalanceListener* listener) {
  if (options.group_id.empty()) {
    return make_error(errc::invalid_config,
                      "a Kafka consumer needs a consumer group: set --kafka-group or "
                      "KAFKA_CONSUMER_GROUP");
  }
  if (options.topics.empty()) {
    return make_error(errc::invalid_config,
                      "Kafka consumer group " + options.group_id +
                          " has no topic to subscribe to: set --kafka-topic or KAFKA_TOPIC");
  }
  // auto.offset.reset is ours to apply (to partitions without a committed offset only); a
  // user's -X auto.offset.reset chooses that policy and never reaches librdkafka.
  ClientConfig client = config;
  if (auto user_reset = find_property(client, "auto.offset.reset")) {
    options.auto_offset_reset = *user_reset;
    std::erase_if(client.properties,
                  [](const Property& p) { return p.first == "auto.offset.reset"; });
  }
  const auto reset_offset = reset_offset_of(options.auto_offset_reset);
  if (!reset_offset) {
    return make_error(errc::invalid_config,
                      "auto.offset.reset '" + options.auto_offset_reset +
                          "' is not one of earliest, latest, error (for consumer group " +
                          options.group_id + ")");
  }

  const Properties defaults = {
      {"group.id", options.group_id},
      {"client.id", options.client_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
      {"heartbeat.interval.ms", std::to_string(options.heartbeat_interval_ms)},
      {"fetch.wait.max.ms", std::to_string(options.fetch_wait_max_ms)},
      {"partition.assignment.strategy", options.partition_assignment_strategy},
  };
  auto conf = make_conf(client, defaults);
  if (!conf) return std::move(conf).error();
  // Set after the user's properties: an out-of-range offset is never reset silently.
  if (auto r = set_property(conf->get(), "auto.offset.reset", "error"); !r) {
    return std::move(r).error();
  }

  std::unique_ptr<Consumer> consumer(new Consumer(std::move(options), listener, *reset_offset));
  rd_kafka_conf_set_opaque(conf->get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Consumer::on_rebalance);
  rd_kafka_conf_set_error_cb(conf->get(), &Consumer::on_error);

  std::array<char, 512> errstr{};
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr.data(), errstr.size());
  if (rk == nullptr) {
    return make_error(errc::invalid_config, "cannot create Kafka consumer for group " +
                                                consumer->options_.group_id + ": " + errstr.data());
  }
  conf->release();
  consumer->rk_.reset(rk);
  // Everything (rebalances, errors, commit results) is served by rd_kafka_consumer_poll().
  rd_kafka_poll_set_consumer(rk);
  consumer->consumer_queue_.reset(rd_kafka_queue_get_consumer(rk));

  PartitionListHandle subscription(
      rd_kafka_topic_partition_list_new(static_cast<int>(consumer->options_.topics.size())));
  std::string topic_names;
  for (const auto& topic : consumer->options_.topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    topic_names += topic_names.empty() ? topic : "," + topic;
  }
  if (const auto err = rd_kafka_subscribe(rk, subscription.get()); err) {
    auto error = make_error(err, "consumer group " + consumer->options_.group_id +
                                     " cannot subscribe to " + topic_names);
    consumer->close().ok();
    return error;
  }
  spdlog::info(
      "kafka consumer {} joined group {} for {} ({}; without a committed offset a "
      "partition starts at {})",
      rd_kafka_name(rk), consumer->options_.group_id, topic_names,
      consumer->options_.partition_assignment_strategy, describe_reset(*reset_offset));
  return consumer;
}

Consumer::~Consumer() {
  if (rk_ && !closed_) {
    if (auto closed = close(); !closed) {
      spdlog::error("kafka consumer group {}: {}", options_.group_id, closed.error().message);
    }
  }
  consumer_queue_.reset();
  rk_.reset();
}

std::optional<Message> Consumer::poll(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  rd_kafka_message_t* raw = rd_kafka_consumer_poll(rk_.get(), to_timeout_ms(timeout));
  if (raw == nullptr) {
    refresh_progress();
    return std::nullopt;
  }
  Message message(raw);
  switch (message.error_code()) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      probe_.messages.add();
      probe_.progress.consumed(raw);
      if ((++polls_since_refresh_ & 255) == 0) refresh_progress();
      return message;
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      refresh_progress();
      return std::nullopt;
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE: {
      probe_.offset_out_of_range.add();
      probe_.errors.add();
      // How much is gone: the log now starts past the offset the group wanted.
      std::string gone;
      std::int64_t low = -1;
      std::int64_t high = -1;
      const auto offset = message.offset().value;
      if (offset >= 0 && raw->rkt != nullptr &&
          rd_kafka_query_watermark_offsets(rk_.get(), rd_kafka_topic_name(raw->rkt),
                                           raw->partition, &low, &high, 1000) == 0 &&
          low > offset) {
        // Counted once: the assignment may have found it already.
        if (!lost_reported_.contains({rd_kafka_topic_name(raw->rkt), raw->partition, offset})) {
          probe_.messages_lost.add(static_cast<std::uint64_t>(low - offset));
        }
        gone = "; " + std::to_string(low - offset) + " message(s) (offsets " +
               std::to_string(offset) + " to " + std::to_string(low - 1) +
               ") were deleted before this group read them";
      }
      spdlog::error(
          "{}: OFFSET OUT OF RANGE for consumer group {}: {}{}. Not resetting: the "
          "partition is stopped so no unread data is skipped. The data was deleted "
          "by retention (the consumer fell too far behind) or the offset is ahead "
          "of the log; reset it deliberately (tokenflow replay) and restart",
          message.describe(), options_.group_id, message.error().value_or(core::Error{}).message,
          gone);
      return message;
    }
    default:
      probe_.errors.add();
      spdlog::error("kafka consumer group {}: {}", options_.group_id,
                    message.error().value_or(core::Error{}).message);
      return message;
  }
}

core::Result<void> Consumer::commit(const core::Positions& positions, bool async) {
  if (positions.empty()) return core::success();
  if (closed_) {
    return make_error(errc::commit_failed,
                      "consumer group " + options_.group_id + " is closed; nothing committed");
  }
  auto list = to_partition_list(positions);
  if (async) {
    const auto err = rd_kafka_commit_queue(rk_.get(), list.get(), consumer_queue_.get(),
                                           &Consumer::on_commit, this);
    if (err) {
      probe_.commit_failures.add();
      return make_error(
          err, "consumer group " + options_.group_id + " cannot commit " + describe(list.get()));
    }
    return core::success();
  }
  // Without a queue librdkafka waits for the answer and calls on_commit before returning.
  last_commit_error_.reset();
  const auto err =
      rd_kafka_commit_queue(rk_.get(), list.get(), nullptr, &Consumer::on_commit, this);
  if (last_commit_error_) return std::exchange(last_commit_error_, std::nullopt).value();
  if (err) {
    return make_error(
        err, "consumer group " + options_.group_id + " cannot commit " + describe(list.get()));
  }
  return core::success();
}

core::Result<core::Positions> Consumer::committed(const TopicPartitions& partitions,
                                                  std::chrono::milliseconds timeout) {
  auto list = to_partition_list(partitions);
  const auto err = rd_kafka_committed(rk_.get(), list.get(), to_timeout_ms(timeout));
  if (err) {
    return make_error(err, "consumer group " + options_.group_id +
                               " cannot read committed offsets of " + describe(list.get()));
  }
  core::Positions out;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err) {
      return make_error(e.err, "consumer group " + options_.group_id +
                                   " cannot read the committed offset of " + e.topic + "[" +
                                   std::to_string(e.partition) + "]");
    }
    if (e.offset >= 0) {
      out.push_back(
          core::PartitionPosition{e.topic, core::Partition{e.partition}, core::Offset{e.offset}});
    }
  }
  return out;
}

core::Result<void> Consumer::seek(const core::Positions& positions,
                                  std::chrono::milliseconds timeout) {
  if (positions.empty()) return core::success();
  auto list = to_partition_list(positions);
  ErrorHandle error(rd_kafka_seek_partitions(rk_.get(), list.get(), to_timeout_ms(timeout)));
  if (error) {
    return make_error(rd_kafka_error_code(error.get()),
                      "consumer group " + options_.group_id + " cannot seek " +
                          describe(list.get()) + " (" + rd_kafka_error_string(error.get()) + ")");
  }
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err) {
      return make_error(e.err, "consumer group " + options_.group_id + " cannot seek " + e.topic +
                                   "[" + std::to_string(e.partition) + "] to " +
                                   std::to_string(e.offset));
    }
    probe_.progress.seeked(e.topic, e.partition, e.offset);
  }
  return core::success();
}

core::Result<void> Consumer::pause(const TopicPartitions& partitions) {
  auto list = to_partition_list(partitions);
  if (const auto err = rd_kafka_pause_partitions(rk_.get(), list.get()); err) {
    return make_error(err, "cannot pause " + describe(list.get()));
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err) {
      return make_error(list->elems[i].err, "cannot pause " + std::string(list->elems[i].topic) +
                                                "[" + std::to_string(list->elems[i].partition) +
                                                "]");
    }
  }
  return core::success();
}

core::Result<void> Consumer::resume(const TopicPartitions& partitions) {
  auto list = to_partition_list(partitions);
  if (const auto err = rd_kafka_resume_partitions(rk_.get(), list.get()); err) {
    return make_error(err, "cannot resume " + describe(list.get()));
  }
  for (int i = 0; i < list->cnt; ++i) {
    if (list->elems[i].err) {
      return make_error(list->elems[i].err, "cannot resume " + std::string(list->elems[i].topic) +
                                                "[" + std::to_string(list->elems[i].partition) +
                                                "]");
    }
  }
  return core::success();
}

void Consumer::refresh_progress() {
  const auto now = std::chrono::steady_clock::now();
  if (now - progress_refreshed_ < std::chrono::milliseconds(250)) return;
  progress_refreshed_ = now;
  probe_.progress.refresh_watermarks(rk_.get());
}

core::Result<TopicPartitions> Consumer::assignment() {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  if (const auto err = rd_kafka_assignment(rk_.get(), &raw); err) {
    return make_error(err, "consumer group " + options_.group_id + ": cannot read assignment");
  }
  PartitionListHandle list(raw);
  return to_topic_partitions(list.get());
}

core::Result<void> Consumer::close() {
  if (closed_ || !rk_) return core::success();
  closing_ = true;
  const auto err = rd_kafka_consumer_close(rk_.get());
  closed_ = true;
  probe_.assigned_partitions.set(0);
  probe_.progress.clear();
  if (err) return make_error(err, "consumer group " + options_.group_id + ": close");
  spdlog::info("kafka consumer {} left group {}", rd_kafka_name(rk_.get()), options_.group_id);
  return core::success();
}

std::optional<core::Error> Consumer::fatal_error() const {
  std::lock_guard lock(fatal_mutex_);
  return fatal_error_;
}

void Consumer::handle_commit_result(rd_kafka_resp_err_t err,
                                    const rd_kafka_topic_partition_list_t* offsets) {
  rd_kafka_resp_err_t first = err;
  std::string failed;
  for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
    const auto& e = offsets->elems[i];
    if (e.err) {
      if (!first) first = e.err;
      if (!failed.empty()) failed += ", ";
      failed += std::string(e.topic) + "[" + std::to_string(e.partition) + "]@" +
                std::to_string(e.offset) + " (" + rd_kafka_err2str(e.err) + ")";
    }
  }
  if (!first) {
    probe_.commits.add();
    spdlog::debug("consumer group {} committed {}", options_.group_id, describe(offsets));
    return;
  }
  probe_.commit_failures.add();
  auto error = make_error(first, "consumer group " + options_.group_id + " failed to commit " +
                                     (failed.empty() ? describe(offsets) : failed) +
                                     "; the work is redone from the last committed offset");
  spdlog::error("kafka {}", error.message);
  last_commit_error_ = std::move(error);
}

void Consumer::on_rebalance(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Consumer*>(opaque)->handle_rebalance(err, partitions);
}

void Consumer::on_commit(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  static_cast<Consumer*>(opaque)->handle_commit_result(err, offsets);
}

void Consumer::on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<Consumer*>(opaque);
  const auto code = static_cast<rd_kafka_resp_err_t>(err);
  self->probe_.errors.add();
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    std::array<char, 512> buf{};
    const auto original = rd_kafka_fatal_error(rk, buf.data(), buf.size());
    auto error = make_error(errc::fatal, "kafka consumer group " + self->options_.group_id +
                                             " fatal error " + rd_kafka_err2name(original) + ": " +
                                             buf.data() + "; the consumer must be restarted");
    spdlog::critical("{}", error.message);
    std::lock_guard lock(self->fatal_mutex_);
    if (!self->fatal_error_) self->fatal_error_ = std::move(error);
    return;
  }
  // A connection failure was already logged by librdkafka itself; librdkafka retries.
  spdlog::log(code == RD_KAFKA_RESP_ERR__TRANSPORT ? spdlog::level::debug : spdlog::level::warn,
              "kafka consumer group {} ({}): {} ({})", self->options_.group_id, rd_kafka_name(rk),
              reason != nullptr ? reason : "", rd_kafka_err2name(code));
}

}  // namespace tokenflow::kafka
