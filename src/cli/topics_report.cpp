#include "cli/topics_report.hpp"

#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "codec/json_writer.hpp"

namespace tokenflow::cli {
namespace {

std::string joined_ids(const std::vector<std::int32_t>& ids) {
  std::string out;
  for (const auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out.empty() ? "-" : out;
}

void append_json_ids(std::string& out, const std::vector<std::int32_t>& ids) {
  out += '[';
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    codec::append_int(out, ids[i]);
  }
  out += ']';
}

void append_json_bool(std::string& out, bool value) { out += value ? "true" : "false"; }

bool shown(const kafka::ConfigEntry& entry, bool all_configs) {
  return all_configs || !entry.is_default;
}

std::string text_config(const TopicReport& report) {
  if (!report.configs) return "config: not available: " + report.config_error + "\n";
  std::string out;
  for (const auto& entry : *report.configs) {
    if (!shown(entry, report.all_configs)) continue;
    out += fmt::format("  {}={} ({}{})\n", entry.name,
                       entry.value       ? *entry.value
                       : entry.sensitive ? "(sensitive)"
                                         : "(unset)",
                       entry.source, entry.read_only ? ", read-only" : "");
  }
  if (report.all_configs) return "config (every setting):\n" + out;
  if (out.empty())
    return "config: every setting is the cluster's default (--all-configs lists them)\n";
  return "config (settings that differ from the cluster's defaults; --all-configs lists every "
         "one):\n" +
         out;
}

std::string json_config(const TopicReport& report) {
  if (!report.configs) return "null";
  std::string out = "[";
  bool first = true;
  for (const auto& entry : *report.configs) {
    if (!shown(entry, report.all_configs)) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    codec::append_json_string(out, entry.name);
    out += ",\"value\":";
    if (entry.value) {
      codec::append_json_string(out, *entry.value);
    } else {
      out += "null";
    }
    out += ",\"source\":";
    codec::append_json_string(out, entry.source);
    out += ",\"default\":";
    append_json_bool(out, entry.is_default);
    out += ",\"read_only\":";
    append_json_bool(out, entry.read_only);
    out += ",\"sensitive\":";
    append_json_bool(out, entry.sensitive);
    out += '}';
  }
  return out + "]";
}

}  // namespace

std::int64_t retained_messages(const kafka::Watermarks& marks) {
  return std::max<std::int64_t>(0, marks.high.value - marks.low.value);
}

std::int64_t retained_messages(const TopicReport& report) {
  std::int64_t total = 0;
  for (const auto& marks : report.watermarks) total += retained_messages(marks);
  return total;
}

std::string render_topic_list(const std::vector<TopicSummary>& topics, ReportFormat format) {
  std::string out;
  if (format == ReportFormat::json) {
    out = "{\"topics\":[";
    for (std::size_t i = 0; i < topics.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"name\":";
      codec::append_json_string(out, topics[i].name);
      out += ",\"partitions\":";
      codec::append_int(out, topics[i].partitions);
      out += ",\"messages\":";
      codec::append_int(out, topics[i].messages);
      out += '}';
    }
    return out + "]}\n";
  }
  std::size_t width = 5;  // "TOPIC"
  for (const auto& t : topics) width = std::max(width, t.name.size());
  out = fmt::format("{:<{}}  {:>10}  {:>12}\n", "TOPIC", width, "PARTITIONS", "MESSAGES");
  for (const auto& t : topics) {
    out += fmt::format("{:<{}}  {:>10}  {:>12}\n", t.name, width, t.partitions, t.messages);
  }
  return out;
}

std::string render_topic_report(const TopicReport& report, ReportFormat format) {
  const auto& partitions = report.topic.partitions;
  std::string out;
  if (format == ReportFormat::json) {
    out = "{\"name\":";
    codec::append_json_string(out, report.topic.name);
    out += ",\"messages\":";
    codec::append_int(out, retained_messages(report));
    out += ",\"partitions\":[";
    for (std::size_t i = 0; i < partitions.size(); ++i) {
      const auto& p = partitions[i];
      const auto& marks = report.watermarks.at(i);
      if (i > 0) out += ',';
      out += "{\"partition\":";
      codec::append_int(out, p.partition.value);
      out += ",\"leader\":";
      codec::append_int(out, p.leader);
      out += ",\"replicas\":";
      append_json_ids(out, p.replicas);
      out += ",\"in_sync_replicas\":";
      append_json_ids(out, p.in_sync_replicas);
      out += ",\"log_start\":";
      codec::append_int(out, marks.low.value);
      out += ",\"log_end\":";
      codec::append_int(out, marks.high.value);
      out += ",\"messages\":";
      codec::append_int(out, retained_messages(marks));
      out += ",\"error\":";
      codec::append_json_string(out, p.error);
      out += '}';
    }
    out += "],\"config\":" + json_config(report) + ",\"config_error\":";
    if (report.configs) {
      out += "null";
    } else {
      codec::append_json_string(out, report.config_error);
    }
    return out + "}\n";
  }
  out = fmt::format("topic {}: {} partition(s), {} message(s) retained\n", report.topic.name,
                    partitions.size(), retained_messages(report));
  out += fmt::format("{:>9}  {:>6}  {:<12}  {:<12}  {:>12}  {:>12}  {:>12}\n", "PARTITION",
                     "LEADER", "REPLICAS", "IN-SYNC", "LOG-START", "LOG-END", "MESSAGES");
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    const auto& p = partitions[i];
    const auto& marks = report.watermarks.at(i);
    out += fmt::format("{:>9}  {:>6}  {:<12}  {:<12}  {:>12}  {:>12}  {:>12}{}\n",
                       p.partition.value, p.leader, joined_ids(p.replicas),
                       joined_ids(p.in_sync_replicas), marks.low.value, marks.high.value,
                       retained_messages(marks), p.error.empty() ? "" : "  " + p.error);
  }
  return out + text_config(report);
}

}  // namespace tokenflow::cli
