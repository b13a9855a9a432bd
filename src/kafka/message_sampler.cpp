#include "kafka/message_sampler.hpp"

#include "kafka/message.hpp"
#include "kafka/topic_follower.hpp"

namespace tokenflow::kafka {

core::Result<std::unique_ptr<MessageSampler>> MessageSampler::create(const ClientConfig& config) {
  auto rk = make_assigned_consumer(config, "tokenflow-message-sampler", 50, "sampling messages");
  if (!rk.ok()) return std::move(rk).error();
  std::unique_ptr<MessageSampler> reader(new MessageSampler());
  reader->rk_ = std::move(rk).value();
  return reader;
}

MessageSampler::~MessageSampler() {
  if (rk_) {
    rd_kafka_assign(rk_.get(), nullptr);
    rd_kafka_consumer_close(rk_.get());
  }
}

std::map<MessageSampler::Key, SampledMessage> MessageSampler::read(
    const core::Positions& positions, std::chrono::milliseconds timeout) {
  std::map<Key, SampledMessage> out;
  if (positions.empty()) return out;
  PartitionListHandle assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
  for (const auto& p : positions) {
    rd_kafka_topic_partition_list_add(assignment.get(), p.topic.c_str(), p.partition.value)
        ->offset = p.next_offset.value;
  }
  if (rd_kafka_assign(rk_.get(), assignment.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < positions.size()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    rd_kafka_message_t* raw = rd_kafka_consumer_poll(rk_.get(), static_cast<int>(left.count()));
    if (raw == nullptr) continue;
    Message message(raw);
    if (message.is_error()) continue;
    Key key{std::string(message.topic()), message.partition().value};
    if (out.contains(key)) continue;
    SampledMessage sampled;
    sampled.offset = message.offset().value;
    sampled.timestamp_ms = message.timestamp_ms().value_or(-1);
    sampled.payload = std::string(message.payload());
    out.emplace(std::move(key), std::move(sampled));
  }
  rd_kafka_assign(rk_.get(), nullptr);
  return out;
}

std::map<MessageSampler::Key, std::int64_t> MessageSampler::timestamps(
    const core::Positions& positions, std::chrono::milliseconds timeout) {
  std::map<Key, std::int64_t> out;
  for (auto& [key, sampled] : read(positions, timeout)) {
    if (sampled.timestamp_ms >= 0) out.emplace(key, sampled.timestamp_ms);
  }
  return out;
}

}  // namespace tokenflow::kafka
