#include "kafka/topic_tail_reader.hpp"

#include <map>

#include "kafka/admin.hpp"
#include "kafka/errc.hpp"
#include "kafka/handles.hpp"
#include "kafka/topic_follower.hpp"

namespace tokenflow::kafka {

core::Result<TailReadSummary> read_topic_tail(
    const ClientConfig& config, const std::string& topic, std::uint64_t per_partition,
    std::chrono::milliseconds timeout, const std::function<void(std::string_view)>& on_message) {
  TailReadSummary summary;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto admin = Admin::create(config, timeout);
  if (!admin.ok()) return std::move(admin).error();
  auto marks = (*admin)->topic_watermarks(topic);
  if (!marks.ok()) {
    if (marks.error().code == make_error_code(errc::unknown_topic)) return summary;
    return std::move(marks).error();
  }
  summary.partitions = static_cast<int>(marks->size());

  // partition -> [first offset to read, end offset]
  std::map<std::int32_t, std::pair<std::int64_t, std::int64_t>> ranges;
  for (int p = 0; p < summary.partitions; ++p) {
    const auto& m = (*marks)[static_cast<std::size_t>(p)];
    const auto span = static_cast<std::int64_t>(per_partition);
    const auto start = std::max(m.low.value, m.high.value - span);
    if (m.high.value > start) ranges[p] = {start, m.high.value};
  }
  if (ranges.empty()) return summary;

  auto handle = make_assigned_consumer(config, "tokenflow-tail-reader", 50, topic);
  if (!handle.ok()) return std::move(handle).error();
  KafkaHandle rk = std::move(handle).value();
  PartitionListHandle assignment(rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size())));
  for (const auto& [partition, range] : ranges) {
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), partition)->offset =
        range.first;
  }
  if (auto err = rd_kafka_assign(rk.get(), assignment.get()); err) {
    return make_error(errc::request_failed,
                      "cannot read the end of " + topic + ": " + rd_kafka_err2str(err));
  }
  while (!ranges.empty()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      rd_kafka_assign(rk.get(), nullptr);
      return make_error(errc::timed_out, "reading the last messages of " + topic + " took over " +
                                             std::to_string(timeout.count()) + " ms (" +
                                             std::to_string(ranges.size()) +
                                             " partitions unfinished)");
    }
    rd_kafka_message_t* message = rd_kafka_consumer_poll(rk.get(), 100);
    if (message == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(
        message, &rd_kafka_message_destroy);
    if (message->err) continue;  // transient (broker down): the deadline bounds the wait
    auto it = ranges.find(message->partition);
    if (it == ranges.end() || message->offset >= it->second.second) continue;
    on_message(std::string_view(static_cast<const char*>(message->payload), message->len));
    ++summary.messages;
    if (message->offset + 1 >= it->second.second) ranges.erase(it);
  }
  rd_kafka_assign(rk.get(), nullptr);
  return summary;
}

}  // namespace tokenflow::kafka
