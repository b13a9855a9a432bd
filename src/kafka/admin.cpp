#include "kafka/admin.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <tuple>

#include "kafka/admin_request.hpp"
#include "kafka/errc.hpp"
#include "kafka/timeout.hpp"
#include "kafka/topic_partition.hpp"

namespace tokenflow::kafka {
namespace {

struct AlterGroupOffsetsDeleter {
  void operator()(rd_kafka_AlterConsumerGroupOffsets_t* p) const noexcept {
    rd_kafka_AlterConsumerGroupOffsets_destroy(p);
  }
};
struct ListGroupOffsetsDeleter {
  void operator()(rd_kafka_ListConsumerGroupOffsets_t* p) const noexcept {
    rd_kafka_ListConsumerGroupOffsets_destroy(p);
  }
};

}  // namespace

core::Result<std::unique_ptr<Admin>> Admin::create(const ClientConfig& config,
                                                   std::chrono::milliseconds timeout) {
  const Properties defaults = {
      {"client.id", "tokenflow-admin"},
      // Looking a topic up must never create it.
      {"allow.auto.create.topics", "false"},
  };
  auto conf = make_conf(config, defaults);
  if (!conf) return std::move(conf).error();
  std::array<char, 512> errstr{};
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr.data(), errstr.size());
  if (rk == nullptr) {
    return make_error(errc::invalid_config,
                      std::string("cannot create Kafka admin client: ") + errstr.data());
  }
  conf->release();
  std::unique_ptr<Admin> admin(new Admin(timeout));
  admin->rk_.reset(rk);
  admin->queue_.reset(rd_kafka_queue_new(rk));
  return admin;
}

Admin::~Admin() {
  queue_.reset();
  rk_.reset();
}

int Admin::timeout_ms() const { return std::max(1, to_timeout_ms(timeout_)); }

core::Result<void> Admin::ensure_topic(const std::string& topic, int partitions, int replication,
                                       const std::map<std::string, std::string>& configs) {
  auto created = create_topic(topic, partitions, replication, configs);
  if (created.ok() || created.error().code != make_error_code(errc::topic_exists)) return created;
  auto existing = partition_count(topic);
  if (existing && *existing < partitions) {
    spdlog::warn(
        "topic {} already exists with {} partition(s), fewer than the {} asked "
        "for; it is used as it is",
        topic, *existing, partitions);
  }
  return core::success();
}

core::Result<std::vector<TopicInfo>> Admin::topics() {
  auto metadata = cluster_metadata();
  if (!metadata) return std::move(metadata).error();
  std::vector<TopicInfo> out;
  for (int i = 0; i < (*metadata)->topic_cnt; ++i) {
    const auto& t = (*metadata)->topics[i];
    if (t.err || std::string_view(t.topic).starts_with("__")) continue;
    out.push_back({t.topic, t.partition_cnt});
  }
  std::sort(out.begin(), out.end(),
            [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
  return out;
}

core::Result<int> Admin::partition_count(const std::string& topic) {
  TopicHandle rkt(rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr));
  const rd_kafka_metadata_t* raw = nullptr;
  const auto err = rd_kafka_metadata(rk_.get(), 0, rkt.get(), &raw, timeout_ms());
  if (err) return make_error(err, "reading metadata of topic " + topic);
  MetadataHandle metadata(raw);
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    if (topic != t.topic) continue;
    if (t.err) return make_error(t.err, "topic " + topic);
    return t.partition_cnt;
  }
  return make_error(errc::unknown_topic, "topic " + topic + " does not exist");
}

core::Result<Watermarks> Admin::watermarks(const std::string& topic, core::Partition partition) {
  std::int64_t low = -1;
  std::int64_t high = -1;
  const auto err = rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), partition.value, &low,
                                                    &high, timeout_ms());
  if (err) {
    return make_error(
        err, "reading the watermarks of " + topic + "[" + std::to_string(partition.value) + "]");
  }
  return Watermarks{core::Offset{low}, core::Offset{high}};
}

core::Result<std::vector<Watermarks>> Admin::watermarks(const TopicPartitions& partitions) {
  std::vector<Watermarks> out(partitions.size());
  if (partitions.empty()) return out;
  // ListOffsets takes the special timestamps -2 (the log start) and -1 (the log end), which
  // is what query_watermark_offsets sends one partition at a time.
  for (const std::int64_t which : {RD_KAFKA_OFFSET_BEGINNING, RD_KAFKA_OFFSET_END}) {
    auto list = to_partition_list(partitions);
    for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = which;
    const auto err = rd_kafka_offsets_for_times(rk_.get(), list.get(), timeout_ms());
    if (err) return make_error(err, "reading the watermarks of " + describe(list.get()));
    // The answer's list is in the order asked (librdkafka fills the elements in place).
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      if (e.err) {
        return make_error(e.err, "reading the watermarks of " +
                                     to_string(partitions[static_cast<std::size_t>(i)]));
      }
      auto& marks = out[static_cast<std::size_t>(i)];
      (which == RD_KAFKA_OFFSET_BEGINNING ? marks.low : marks.high) = core::Offset{e.offset};
    }
  }
  return out;
}

core::Result<std::vector<Watermarks>> Admin::topic_watermarks(const std::string& topic) {
  auto partitions = partition_count(topic);
  if (!partitions) return std::move(partitions).error();
  TopicPartitions wanted;
  for (int p = 0; p < *partitions; ++p) wanted.push_back({topic, core::Partition{p}});
  return watermarks(wanted);
}

core::Result<core::Offset> Admin::high_watermark(const std::string& topic,
                                                 core::Partition partition) {
  auto marks = watermarks(topic, partition);
  if (!marks) return std::move(marks).error();
  return marks->high;
}

core::Result<core::Positions> Admin::committed_offsets(const std::string& group,
                                                       const std::string& topic) {
  auto partitions = partition_count(topic);
  if (!partitions) return std::move(partitions).error();
  TopicPartitions wanted;
  for (int p = 0; p < *partitions; ++p) wanted.push_back({topic, core::Partition{p}});
  auto list = to_partition_list(wanted);
  return list_group_offsets(group, list.get(),
                            "reading the committed offsets of group " + group + " on " + topic);
}

core::Result<core::Positions> Admin::committed_offsets(const std::string& group) {
  // Every partition named: an OffsetFetch for "all topics" (no list) goes unanswered by the
  // embedded cluster, and the request left pending then blocks the client's destruction.
  auto topics = this->topics();
  if (!topics) return std::move(topics).error();
  TopicPartitions wanted;
  for (const auto& topic : *topics) {
    for (int p = 0; p < topic.partitions; ++p) wanted.push_back({topic.name, core::Partition{p}});
  }
  if (wanted.empty()) return core::Positions{};
  auto list = to_partition_list(wanted);
  return list_group_offsets(group, list.get(), "reading the committed offsets of group " + group);
}

core::Result<core::Positions> Admin::list_group_offsets(
    const std::string& group, const rd_kafka_topic_partition_list_t* partitions,
    const std::string& what) {
  std::unique_ptr<rd_kafka_ListConsumerGroupOffsets_t, ListGroupOffsetsDeleter> request(
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), partitions));
  auto options =
      make_admin_options(rk_.get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms());
  rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
  rd_kafka_ListConsumerGroupOffsets(rk_.get(), requests, 1, options.get(), queue_.get());

  auto event = await_result(RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, what);
  if (!event) return std::move(event).error();
  const auto* result = rd_kafka_event_ListConsumerGroupOffsets_result(event->get());
  std::size_t count = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_ListConsumerGroupOffsets_result_groups(result, &count);
  core::Positions out;
  for (std::size_t g = 0; g < count; ++g) {
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[g]); error != nullptr) {
      return make_error(rd_kafka_error_code(error),
                        what + " (" + rd_kafka_error_string(error) + ")");
    }
    const rd_kafka_topic_partition_list_t* offsets = rd_kafka_group_result_partitions(groups[g]);
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
      const auto& e = offsets->elems[i];
      if (e.err) {
        return make_error(e.err, what + ": " + e.topic + "[" + std::to_string(e.partition) + "]");
      }
      if (e.offset >= 0) {
        out.push_back({e.topic, core::Partition{e.partition}, core::Offset{e.offset}});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  return out;
}

core::Result<void> Admin::alter_committed_offsets(const std::string& group,
                                                  const core::Positions& positions) {
  const std::string what = "setting the committed offsets of group " + group;
  auto list = to_partition_list(positions);
  std::unique_ptr<rd_kafka_AlterConsumerGroupOffsets_t, AlterGroupOffsetsDeleter> request(
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
  auto options =
      make_admin_options(rk_.get(), RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms());
  rd_kafka_AlterConsumerGroupOffsets_t* requests[] = {request.get()};
  rd_kafka_AlterConsumerGroupOffsets(rk_.get(), requests, 1, options.get(), queue_.get());
  auto event = await_result(RD_KAFKA_EVENT_ALTERCONSUMERGROUPOFFSETS_RESULT, what);
  if (!event) return std::move(event).error();
  const auto* result = rd_kafka_event_AlterConsumerGroupOffsets_result(event->get());
  std::size_t count = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &count);
  for (std::size_t g = 0; g < count; ++g) {
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[g]); error != nullptr) {
      return make_error(errc::request_failed,
                        what + " (" + rd_kafka_error_string(error) + ")");
    }
    const rd_kafka_topic_partition_list_t* offsets = rd_kafka_group_result_partitions(groups[g]);
    for (int i = 0; offsets != nullptr && i < offsets->cnt; ++i) {
      const auto& e = offsets->elems[i];
      if (e.err) {
        return make_error(errc::request_failed, what + ": " + e.topic + "[" +
                                                    std::to_string(e.partition) +
                                                    "]: " + rd_kafka_err2str(e.err));
      }
    }
  }
  return core::success();
}

core::Result<std::vector<core::Offset>> Admin::offsets_for_time(const TopicPartitions& partitions,
                                                                std::int64_t unix_ms) {
  std::vector<core::Offset> out;
  if (partitions.empty()) return out;
  auto list = to_partition_list(partitions);
  for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = unix_ms;
  const auto err = rd_kafka_offsets_for_times(rk_.get(), list.get(), timeout_ms());
  if (err) return make_error(err, "looking up offsets by time in " + describe(list.get()));
  auto ends = watermarks(partitions);
  if (!ends) return std::move(ends).error();
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err) {
      return make_error(e.err, "looking up offsets by time in " +
                                   to_string(partitions[static_cast<std::size_t>(i)]));
    }
    // -1: no message at or after that time.
    out.push_back(e.offset >= 0 ? core::Offset{e.offset}
                                : (*ends)[static_cast<std::size_t>(i)].high);
  }
  return out;
}

core::Result<std::vector<std::string>> Admin::list_groups() {
  const std::string what = "listing the consumer groups";
  auto options = make_admin_options(rk_.get(), RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms());
  rd_kafka_ListConsumerGroups(rk_.get(), options.get(), queue_.get());
  auto event = await_result(RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, what);
  if (!event) return std::move(event).error();
  const auto* result = rd_kafka_event_ListConsumerGroups_result(event->get());
  std::size_t count = 0;
  const auto** groups = rd_kafka_ListConsumerGroups_result_valid(result, &count);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.emplace_back(rd_kafka_ConsumerGroupListing_group_id(groups[i]));
  }
  std::size_t failed = 0;
  const auto** errors = rd_kafka_ListConsumerGroups_result_errors(result, &failed);
  if (out.empty() && failed > 0) {
    return make_error(errc::request_failed, what + " (" + rd_kafka_error_string(errors[0]) + ")");
  }
  std::sort(out.begin(), out.end());
  return out;
}

core::Result<std::string> Admin::cluster_id() {
  char* id = rd_kafka_clusterid(rk_.get(), timeout_ms());
  if (id == nullptr) {
    return make_error(errc::timed_out, "reading the cluster's id: no answer within " +
                                           std::to_string(timeout_.count()) + " ms");
  }
  std::string out(id);
  rd_kafka_mem_free(rk_.get(), id);
  return out;
}

core::Result<bool> Admin::is_embedded_cluster() {
  auto id = cluster_id();
  if (!id) return std::move(id).error();
  return id->starts_with("mockCluster");
}

core::Result<GroupDescription> Admin::describe_group(const std::string& group) {
  auto options =
      make_admin_options(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms());
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk_.get(), groups, 1, options.get(), queue_.get());
  const std::string what = "describing consumer group " + group;
  auto event = await_result(RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, what);
  if (!event) return std::move(event).error();
  const auto* result = rd_kafka_event_DescribeConsumerGroups_result(event->get());
  std::size_t count = 0;
  const auto** described = rd_kafka_DescribeConsumerGroups_result_groups(result, &count);
  if (count != 1) return make_error(errc::request_failed, what + ": no description returned");
  if (const auto* error = rd_kafka_ConsumerGroupDescription_error(described[0]); error != nullptr) {
    return make_error(errc::request_failed, what + " (" + rd_kafka_error_string(error) + ")");
  }
  GroupDescription out;
  out.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(described[0]));
  const std::size_t members = rd_kafka_ConsumerGroupDescription_member_count(described[0]);
  for (std::size_t i = 0; i < members; ++i) {
    const auto* m = rd_kafka_ConsumerGroupDescription_member(described[0], i);
    GroupMember member{rd_kafka_MemberDescription_consumer_id(m),
                       rd_kafka_MemberDescription_client_id(m), rd_kafka_MemberDescription_host(m),
                       {}};
    if (const auto* assigned = rd_kafka_MemberDescription_assignment(m); assigned != nullptr) {
      if (const auto* list = rd_kafka_MemberAssignment_partitions(assigned); list != nullptr) {
        member.assignment = to_topic_partitions(list);
      }
    }
    out.members.push_back(std::move(member));
  }
  return out;
}

core::Result<std::vector<PartitionLag>> Admin::lag(const std::string& group,
                                                   const std::string& topic) {
  auto committed = committed_offsets(group, topic);
  if (!committed) return std::move(committed).error();
  auto marks = topic_watermarks(topic);
  if (!marks) return std::move(marks).error();
  const int partitions = static_cast<int>(marks->size());
  std::vector<PartitionLag> out;
  out.reserve(marks->size());
  for (int p = 0; p < partitions; ++p) {
    const Watermarks& partition_marks = (*marks)[static_cast<std::size_t>(p)];
    PartitionLag entry{core::Partition{p}, partition_marks, std::nullopt, 0, false};
    for (const auto& position : *committed) {
      if (position.partition.value == p) entry.committed = position.next_offset;
    }
    const std::int64_t from = entry.committed ? entry.committed->value : partition_marks.low.value;
    entry.lag = std::max<std::int64_t>(0, partition_marks.high.value - from);
    entry.committed_out_of_range =
        entry.committed && (entry.committed->value < partition_marks.low.value ||
                            entry.committed->value > partition_marks.high.value);
    out.push_back(entry);
  }
  return out;
}

core::Result<void> ensure_topic(const ClientConfig& config, const std::string& topic,
                                int partitions, int replication,
                                std::chrono::milliseconds timeout,
                                const std::map<std::string, std::string>& configs) {
  auto admin = Admin::create(config, timeout);
  if (!admin) return std::move(admin).error();
  return (*admin)->ensure_topic(topic, partitions, replication, configs);
}

core::Result<int> partition_count(const ClientConfig& config, const std::string& topic,
                                  std::chrono::milliseconds timeout) {
  auto admin = Admin::create(config, timeout);
  if (!admin) return std::move(admin).error();
  return (*admin)->partition_count(topic);
}

}  // namespace tokenflow::kafka
