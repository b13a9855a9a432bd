#include "kafka/topic_follower.hpp"

#include <array>

#include "kafka/admin.hpp"
#include "kafka/errc.hpp"

namespace tokenflow::kafka {

core::Result<KafkaHandle> make_assigned_consumer(const ClientConfig& config,
                                                 const std::string& client_id,
                                                 int fetch_wait_max_ms, const std::string& what) {
  // Assigned, not subscribed: no group join, nothing committed. librdkafka still wants a
  // group.id for a consumer handle; this one never reaches a coordinator.
  auto conf = make_conf(config, {{"group.id", client_id},
                                 {"enable.auto.commit", "false"},
                                 {"enable.auto.offset.store", "false"},
                                 {"enable.partition.eof", "false"},
                                 {"fetch.wait.max.ms", std::to_string(fetch_wait_max_ms)},
                                 {"client.id", client_id}});
  if (!conf.ok()) return std::move(conf).error();
  std::array<char, 512> errstr{};
  KafkaHandle rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr.data(), errstr.size()));
  if (!rk) {
    return make_error(errc::invalid_config,
                      "cannot create a reader for " + what + ": " + errstr.data());
  }
  conf->release();
  rd_kafka_poll_set_consumer(rk.get());
  return rk;
}

core::Result<std::unique_ptr<TopicFollower>> TopicFollower::create(
    const ClientConfig& config, const std::string& topic, std::chrono::milliseconds timeout) {
  auto admin = Admin::create(config, timeout);
  if (!admin.ok()) return std::move(admin).error();
  auto marks = (*admin)->topic_watermarks(topic);
  if (!marks.ok()) return std::move(marks).error();
  const int partitions = static_cast<int>(marks->size());
  std::unique_ptr<TopicFollower> follower(new TopicFollower(topic));
  for (int p = 0; p < partitions; ++p) {
    const auto& m = (*marks)[static_cast<std::size_t>(p)];
    if (m.high.value > m.low.value) follower->behind_[p] = m.high.value;
  }
  auto rk = make_assigned_consumer(config, "tokenflow-topic-follower", 100, topic);
  if (!rk.ok()) return std::move(rk).error();
  follower->rk_ = std::move(rk).value();
  PartitionListHandle assignment(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  if (auto err = rd_kafka_assign(follower->rk_.get(), assignment.get()); err) {
    return make_error(errc::request_failed,
                      "cannot read " + topic + ": " + rd_kafka_err2str(err));
  }
  return follower;
}

TopicFollower::~TopicFollower() {
  if (rk_) {
    rd_kafka_assign(rk_.get(), nullptr);
    rd_kafka_consumer_close(rk_.get());
  }
}

std::optional<Message> TopicFollower::poll(std::chrono::milliseconds timeout) {
  rd_kafka_message_t* raw = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(timeout.count()));
  if (raw == nullptr) return std::nullopt;
  Message message(raw);
  if (message.is_error()) return std::nullopt;  // transient (broker down): librdkafka retries
  if (auto it = behind_.find(raw->partition);
      it != behind_.end() && raw->offset + 1 >= it->second) {
    behind_.erase(it);
  }
  return message;
}

}  // namespace tokenflow::kafka
