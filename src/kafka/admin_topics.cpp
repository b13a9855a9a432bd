// Admin's topic administration (`tokenflow topics`): describe a topic and its settings,
// create, grow and delete topics. The controller-bound requests first check that the cluster
// has a controller at all, so that the embedded cluster says "not supported" at once
// instead of leaving librdkafka waiting for a controller until the timeout.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <functional>

#include "kafka/admin.hpp"
#include "kafka/admin_request.hpp"
#include "kafka/errc.hpp"

namespace tokenflow::kafka {
namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* p) const noexcept { rd_kafka_NewTopic_destroy(p); }
};
struct NewPartitionsDeleter {
  void operator()(rd_kafka_NewPartitions_t* p) const noexcept { rd_kafka_NewPartitions_destroy(p); }
};
struct DeleteTopicDeleter {
  void operator()(rd_kafka_DeleteTopic_t* p) const noexcept { rd_kafka_DeleteTopic_destroy(p); }
};
struct ConfigResourceDeleter {
  void operator()(rd_kafka_ConfigResource_t* p) const noexcept {
    rd_kafka_ConfigResource_destroy(p);
  }
};

// The per-topic outcome of CreateTopics, CreatePartitions or DeleteTopics (one topic asked).
core::Result<void> check_topic_results(rd_kafka_event_t* event, const std::string& what) {
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = nullptr;
  switch (rd_kafka_event_type(event)) {
    case RD_KAFKA_EVENT_CREATETOPICS_RESULT:
      results =
          rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
      break;
    case RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT:
      results = rd_kafka_CreatePartitions_result_topics(
          rd_kafka_event_CreatePartitions_result(event), &count);
      break;
    case RD_KAFKA_EVENT_DELETETOPICS_RESULT:
      results =
          rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count);
      break;
    default:
      break;
  }
  for (std::size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    if (!err) continue;
    const char* why = rd_kafka_topic_result_error_string(results[i]);
    return make_error(err, what + (why != nullptr && *why != '\0' ? std::string(" (") + why + ")"
                                                                  : std::string()));
  }
  return core::success();
}

std::string broker_list(const rd_kafka_metadata_t& metadata) {
  std::string out;
  for (int i = 0; i < metadata.broker_cnt; ++i) {
    if (!out.empty()) out += ", ";
    out += std::to_string(metadata.brokers[i].id);
  }
  return out;
}

std::vector<std::int32_t> to_broker_ids(const std::int32_t* ids, int count) {
  return std::vector<std::int32_t>(ids, ids + std::max(0, count));
}

}  // namespace

core::Result<MetadataHandle> Admin::cluster_metadata() {
  const rd_kafka_metadata_t* raw = nullptr;
  const auto err = rd_kafka_metadata(rk_.get(), 1, nullptr, &raw, timeout_ms());
  if (err) return make_error(err, "reading the cluster's metadata");
  return MetadataHandle(raw);
}

core::Result<void> Admin::require_controller(const std::string& what) {
  auto metadata = cluster_metadata();
  if (!metadata) {
    return core::Error{metadata.error().code, what + ": " + metadata.error().message};
  }
  // Known from the metadata just read (version 1 and later carry it); 0 ms: no wait.
  const std::int32_t controller = rd_kafka_controllerid(rk_.get(), 0);
  const auto& m = **metadata;
  for (int i = 0; i < m.broker_cnt; ++i) {
    if (m.brokers[i].id == controller) return core::success();
  }
  return make_error(errc::not_supported,
                    what + ": the cluster cannot take this request: it names controller " +
                        std::to_string(controller) + ", none of its brokers (" + broker_list(m) +
                        "), as librdkafka's embedded cluster does");
}

core::Result<EventHandle> Admin::await_result(rd_kafka_event_type_t type, const std::string& what) {
  // One second more than the request's own timeout, so librdkafka's answer (with its
  // reason) normally arrives before we give up on it.
  auto event = wait_for_admin_result(queue_.get(), type, timeout_ms() + 1000);
  if (!event) {
    return make_error(errc::timed_out,
                      what + ": no answer within " + std::to_string(timeout_.count()) + " ms");
  }
  if (const auto err = rd_kafka_event_error(event.get()); err) {
    return make_error(err, what + " (" + rd_kafka_event_error_string(event.get()) + ")");
  }
  return event;
}

core::Result<void> Admin::topic_request(rd_kafka_admin_op_t op, const std::string& what,
                                        const std::function<void(rd_kafka_AdminOptions_t*)>& send) {
  if (auto ready = require_controller(what); !ready) return ready;
  auto options = make_admin_options(rk_.get(), op, timeout_ms());
  send(options.get());
  const auto type = op == RD_KAFKA_ADMIN_OP_CREATETOPICS ? RD_KAFKA_EVENT_CREATETOPICS_RESULT
                    : op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS
                        ? RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT
                        : RD_KAFKA_EVENT_DELETETOPICS_RESULT;
  auto event = await_result(type, what);
  if (!event) return std::move(event).error();
  return check_topic_results(event->get(), what);
}

core::Result<void> Admin::create_topic(const std::string& topic, int partitions, int replication,
                                       const std::map<std::string, std::string>& configs) {
  const std::string what = "creating topic " + topic;
  std::array<char, 512> errstr{};
  std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter> new_topic(
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication, errstr.data(), errstr.size()));
  if (!new_topic) {
    return make_error(errc::invalid_config, what + " with " + std::to_string(partitions) +
                                                " partition(s), replication " +
                                                std::to_string(replication) + ": " + errstr.data());
  }
  for (const auto& [name, value] : configs) {
    if (auto err = rd_kafka_NewTopic_set_config(new_topic.get(), name.c_str(), value.c_str());
        err) {
      return make_error(errc::invalid_config,
                        what + ": setting " + name + "=" + value + ": " + rd_kafka_err2str(err));
    }
  }
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  auto created = topic_request(RD_KAFKA_ADMIN_OP_CREATETOPICS, what, [&](auto* options) {
    rd_kafka_CreateTopics(rk_.get(), topics, 1, options, queue_.get());
  });
  if (!created) return created;
  spdlog::info("created topic {} with {} partition(s), replication {}", topic, partitions,
               replication);
  return core::success();
}

core::Result<void> Admin::create_partitions(const std::string& topic, int total) {
  const std::string what =
      "growing topic " + topic + " to " + std::to_string(total) + " partitions";
  std::array<char, 512> errstr{};
  std::unique_ptr<rd_kafka_NewPartitions_t, NewPartitionsDeleter> request(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<std::size_t>(std::max(total, 0)),
                                 errstr.data(), errstr.size()));
  if (!request) return make_error(errc::invalid_config, what + ": " + errstr.data());
  rd_kafka_NewPartitions_t* requests[] = {request.get()};
  return topic_request(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, what, [&](auto* options) {
    rd_kafka_CreatePartitions(rk_.get(), requests, 1, options, queue_.get());
  });
}

core::Result<void> Admin::delete_topic(const std::string& topic) {
  std::unique_ptr<rd_kafka_DeleteTopic_t, DeleteTopicDeleter> request(
      rd_kafka_DeleteTopic_new(topic.c_str()));
  rd_kafka_DeleteTopic_t* requests[] = {request.get()};
  return topic_request(
      RD_KAFKA_ADMIN_OP_DELETETOPICS, "deleting topic " + topic,
      [&](auto* options) { rd_kafka_DeleteTopics(rk_.get(), requests, 1, options, queue_.get()); });
}

core::Result<TopicDescription> Admin::describe_topic(const std::string& topic) {
  auto metadata = cluster_metadata();
  if (!metadata) return std::move(metadata).error();
  for (int i = 0; i < (*metadata)->topic_cnt; ++i) {
    const auto& t = (*metadata)->topics[i];
    if (topic != t.topic) continue;
    if (t.err) return make_error(t.err, "reading the metadata of topic " + topic);
    TopicDescription out{topic, {}};
    for (int p = 0; p < t.partition_cnt; ++p) {
      const auto& part = t.partitions[p];
      out.partitions.push_back({core::Partition{part.id}, part.leader,
                                to_broker_ids(part.replicas, part.replica_cnt),
                                to_broker_ids(part.isrs, part.isr_cnt),
                                part.err ? rd_kafka_err2str(part.err) : std::string()});
    }
    std::sort(out.partitions.begin(), out.partitions.end(),
              [](const auto& a, const auto& b) { return a.partition < b.partition; });
    return out;
  }
  return make_error(errc::unknown_topic, "topic " + topic + " does not exist");
}

core::Result<std::vector<ConfigEntry>> Admin::topic_configs(const std::string& topic) {
  const std::string what = "reading the configuration of topic " + topic;
  if (auto ready = require_controller(what); !ready) return std::move(ready).error();
  std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  auto options = make_admin_options(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms());
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_DescribeConfigs(rk_.get(), resources, 1, options.get(), queue_.get());
  auto event = await_result(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, what);
  if (!event) return std::move(event).error();
  std::size_t count = 0;
  const auto** described = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event->get()), &count);
  std::vector<ConfigEntry> out;
  for (std::size_t r = 0; r < count; ++r) {
    if (const auto err = rd_kafka_ConfigResource_error(described[r]); err) {
      const char* why = rd_kafka_ConfigResource_error_string(described[r]);
      return make_error(err, what + (why != nullptr ? std::string(" (") + why + ")" : ""));
    }
    std::size_t entries = 0;
    const auto** configs = rd_kafka_ConfigResource_configs(described[r], &entries);
    for (std::size_t i = 0; i < entries; ++i) {
      const rd_kafka_ConfigEntry_t* e = configs[i];
      const char* value = rd_kafka_ConfigEntry_value(e);
      out.push_back({rd_kafka_ConfigEntry_name(e),
                     value != nullptr ? std::optional<std::string>(value) : std::nullopt,
                     rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(e)),
                     rd_kafka_ConfigEntry_is_default(e) != 0,
                     rd_kafka_ConfigEntry_is_read_only(e) != 0,
                     rd_kafka_ConfigEntry_is_sensitive(e) != 0});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const ConfigEntry& a, const ConfigEntry& b) { return a.name < b.name; });
  return out;
}

}  // namespace tokenflow::kafka
