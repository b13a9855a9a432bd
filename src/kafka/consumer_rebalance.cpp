// Consumer's rebalance handling: where assigned partitions start, and the explicit
// assign/unassign calls of the eager and the cooperative protocol (see consumer.hpp).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "kafka/consumer.hpp"
#include "kafka/errc.hpp"
#include "kafka/timeout.hpp"

namespace tokenflow::kafka {

bool Consumer::cooperative() {
  // rd_kafka_rebalance_protocol() can block during rd_kafka_consumer_close() (librdkafka
  // #4041); the protocol cannot change within a group generation, so it is asked at the
  // first rebalance and remembered.
  if (!cooperative_ && !closing_) {
    const char* protocol = rd_kafka_rebalance_protocol(rk_.get());
    if (protocol != nullptr && std::strcmp(protocol, "NONE") != 0) {
      cooperative_ = std::strcmp(protocol, "COOPERATIVE") == 0;
    }
  }
  if (cooperative_) return *cooperative_;
  return options_.partition_assignment_strategy.find("cooperative") != std::string::npos;
}

void Consumer::resolve_start_offsets(rd_kafka_topic_partition_list_t* partitions) {
  if (listener_ != nullptr) {
    for (const auto& position : listener_->on_assigned(to_topic_partitions(partitions))) {
      rd_kafka_topic_partition_t* e = rd_kafka_topic_partition_list_find(
          partitions, position.topic.c_str(), position.partition.value);
      if (e == nullptr) {
        spdlog::warn(
            "consumer group {}: rebalance listener returned a position for {}[{}], "
            "which was not assigned; ignored",
            options_.group_id, position.topic, position.partition.value);
        continue;
      }
      if (position.next_offset.value == RebalanceListener::kStartAsNew) {
        spdlog::info("consumer group {}: {}[{}] starts at {} (its owner stored nothing of it)",
                     options_.group_id, position.topic, position.partition.value,
                     describe_reset(reset_offset_));
        e->offset = reset_offset_;
      } else {
        e->offset = position.next_offset.value;
      }
    }
  }
  PartitionListHandle unknown(rd_kafka_topic_partition_list_new(partitions->cnt));
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& e = partitions->elems[i];
    if (e.offset == RD_KAFKA_OFFSET_INVALID) {
      rd_kafka_topic_partition_list_add(unknown.get(), e.topic, e.partition);
    }
  }
  if (unknown->cnt == 0) return;
  const auto err =
      rd_kafka_committed(rk_.get(), unknown.get(), to_timeout_ms(options_.committed_timeout));
  if (err) {
    // librdkafka looks the committed offsets up itself; a partition without one is then
    // reported as an error rather than reset, which is loud and safe.
    probe_.errors.add();
    spdlog::error(
        "consumer group {}: cannot read committed offsets of {}: {}; librdkafka "
        "will look them up when fetching",
        options_.group_id, describe(unknown.get()), rd_kafka_err2str(err));
    return;
  }
  for (int i = 0; i < unknown->cnt; ++i) {
    const auto& c = unknown->elems[i];
    rd_kafka_topic_partition_t* e =
        rd_kafka_topic_partition_list_find(partitions, c.topic, c.partition);
    if (e == nullptr) continue;
    if (c.err) {
      probe_.errors.add();
      spdlog::error("consumer group {}: committed offset of {}[{}]: {}", options_.group_id, c.topic,
                    c.partition, rd_kafka_err2str(c.err));
      continue;
    }
    if (c.offset >= 0) {
      e->offset = c.offset;
    } else {
      spdlog::info("consumer group {} has no committed offset for {}[{}]: starting at {}",
                   options_.group_id, c.topic, c.partition, describe_reset(reset_offset_));
      e->offset = reset_offset_;
    }
  }
}

void Consumer::report_deleted_before_read(const rd_kafka_topic_partition_list_t* partitions) {
  // One quick round of ListOffsets; a slow cluster costs at most the budget, and the fetch
  // still reports an offset out of range loudly.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (int i = 0; i < partitions->cnt; ++i) {
    const auto& e = partitions->elems[i];
    const bool from_beginning = e.offset == RD_KAFKA_OFFSET_BEGINNING;
    if (e.offset < 0 && !from_beginning) continue;  // latest or unknown: nothing to lose
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    std::int64_t low = -1;
    std::int64_t high = -1;
    if (rd_kafka_query_watermark_offsets(rk_.get(), e.topic, e.partition, &low, &high,
                                         static_cast<int>(left.count())) != 0) {
      continue;
    }
    const std::int64_t from = from_beginning ? 0 : e.offset;
    if (low <= from) continue;
    const std::int64_t gone = low - from;
    probe_.messages_lost.add(static_cast<std::uint64_t>(gone));
    lost_reported_.insert({e.topic, e.partition, from_beginning ? RD_KAFKA_OFFSET_BEGINNING : e.offset});
    if (from_beginning) {
      spdlog::error(
          "consumer group {}: {}[{}] has no committed offset and its log starts at {}: {} "
          "message(s) were deleted before this group read them (retention); the group starts "
          "at the log start",
          options_.group_id, e.topic, e.partition, low, gone);
    } else {
      spdlog::error(
          "consumer group {}: {}[{}] resumes at offset {} but its log starts at {}: {} "
          "message(s) were deleted before this group read them (retention, or the topic was "
          "recreated); the partition stops on the out-of-range offset until it is moved "
          "deliberately (tokenflow replay)",
          options_.group_id, e.topic, e.partition, e.offset, low, gone);
    }
  }
}

void Consumer::handle_rebalance(rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions) {
  probe_.rebalances.add();
  const bool incremental = cooperative();
  const char* protocol = incremental ? "cooperative" : "eager";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    resolve_start_offsets(partitions);
    report_deleted_before_read(partitions);
    spdlog::info("consumer group {} ({} rebalance): {} assigned {}", options_.group_id, protocol,
                 rd_kafka_name(rk_.get()), describe(partitions));
    if (incremental) {
      ErrorHandle error(rd_kafka_incremental_assign(rk_.get(), partitions));
      if (error) {
        probe_.errors.add();
        spdlog::error("consumer group {}: incremental assign of {} failed: {}", options_.group_id,
                      describe(partitions), rd_kafka_error_string(error.get()));
        return;
      }
      probe_.assigned_partitions.set(probe_.assigned_partitions.get() + partitions->cnt);
      probe_.progress.assigned(partitions);
    } else {
      if (const auto e = rd_kafka_assign(rk_.get(), partitions); e) {
        probe_.errors.add();
        spdlog::error("consumer group {}: assign of {} failed: {}", options_.group_id,
                      describe(partitions), rd_kafka_err2str(e));
        return;
      }
      probe_.assigned_partitions.set(partitions->cnt);
      probe_.progress.clear();
      probe_.progress.assigned(partitions);
    }
    return;
  }

  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    const bool lost = rd_kafka_assignment_lost(rk_.get()) != 0;
    spdlog::info("consumer group {} ({} rebalance): {} {} {}", options_.group_id, protocol,
                 rd_kafka_name(rk_.get()), lost ? "lost" : "revoked", describe(partitions));
    if (listener_ != nullptr) {
      const auto revoked = to_topic_partitions(partitions);
      if (lost) {
        listener_->on_lost(revoked);
      } else {
        listener_->on_revoked(revoked);
      }
    }
    if (incremental) {
      ErrorHandle error(rd_kafka_incremental_unassign(rk_.get(), partitions));
      if (error) {
        probe_.errors.add();
        spdlog::error("consumer group {}: incremental unassign of {} failed: {}", options_.group_id,
                      describe(partitions), rd_kafka_error_string(error.get()));
        return;
      }
      probe_.assigned_partitions.set(
          std::max<std::int64_t>(0, probe_.assigned_partitions.get() - partitions->cnt));
      probe_.progress.revoked(partitions);
    } else {
      if (const auto e = rd_kafka_assign(rk_.get(), nullptr); e) {
        probe_.errors.add();
        spdlog::error("consumer group {}: unassign failed: {}", options_.group_id,
                      rd_kafka_err2str(e));
        return;
      }
      probe_.assigned_partitions.set(0);
      probe_.progress.clear();
    }
    return;
  }

  // Any other error: librdkafka asks us to drop the assignment and rejoin.
  probe_.errors.add();
  spdlog::error("consumer group {}: rebalance error {}; dropping the assignment", options_.group_id,
                rd_kafka_err2str(err));
  if (listener_ != nullptr) listener_->on_lost(to_topic_partitions(partitions));
  if (incremental) {
    if (partitions != nullptr) {
      ErrorHandle error(rd_kafka_incremental_unassign(rk_.get(), partitions));
      if (error) {
        spdlog::error("consumer group {}: incremental unassign failed: {}", options_.group_id,
                      rd_kafka_error_string(error.get()));
      }
    }
  } else {
    rd_kafka_assign(rk_.get(), nullptr);
  }
  probe_.assigned_partitions.set(0);
  probe_.progress.clear();
}

}  // namespace tokenflow::kafka
