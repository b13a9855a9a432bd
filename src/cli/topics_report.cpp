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

// JSON pieces for fmt::format: not a hot path, so each object is one readable template.
std::string json_text(std::string_view text) {
  std::string out;
  codec::append_json_string(out, text);
  return out;
}

std::string json_text_or_null(const std::optional<std::string>& text) {
  return text ? json_text(*text) : "null";
}

std::string json_ids(const std::vector<std::int32_t>& ids) {
  std::string out = "[";
  for (const auto id : ids) {
    if (out.size() > 1) out += ',';
    codec::append_int(out, id);
  }
  return out + "]";
}

std::string json_partition(const kafka::PartitionDescription& p, const kafka::Watermarks& marks) {
  return fmt::format(
      R"({{"partition":{},"leader":{},"replicas":{},"in_sync_replicas":{},"log_start":{},)"
      R"("log_end":{},"messages":{},"error":{}}})",
      p.partition.value, p.leader, json_ids(p.replicas), json_ids(p.in_sync_replicas),
      marks.low.value, marks.high.value, retained_messages(marks), json_text(p.error));
}

std::string json_config_entry(const kafka::ConfigEntry& e) {
  return fmt::format(
      R"({{"name":{},"value":{},"source":{},"default":{},"read_only":{},"sensitive":{}}})",
      json_text(e.name), json_text_or_null(e.value), json_text(e.source), e.is_default, e.read_only,
      e.sensitive);
}

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
  for (const auto& entry : *report.configs) {
    if (!shown(entry, report.all_configs)) continue;
    if (out.size() > 1) out += ',';
    out += json_config_entry(entry);
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
  if (format == ReportFormat::json) {
    std::string rows;
    for (const auto& t : topics) {
      if (!rows.empty()) rows += ',';
      rows += fmt::format(R"({{"name":{},"partitions":{},"messages":{}}})", json_text(t.name),
                          t.partitions, t.messages);
    }
    return "{\"topics\":[" + rows + "]}\n";
  }
  std::size_t width = 5;  // "TOPIC"
  for (const auto& t : topics) width = std::max(width, t.name.size());
  std::string out =
      fmt::format("{:<{}}  {:>10}  {:>12}\n", "TOPIC", width, "PARTITIONS", "MESSAGES");
  for (const auto& t : topics) {
    out += fmt::format("{:<{}}  {:>10}  {:>12}\n", t.name, width, t.partitions, t.messages);
  }
  return out;
}

std::string render_topic_report(const TopicReport& report, ReportFormat format) {
  const auto& partitions = report.topic.partitions;
  if (format == ReportFormat::json) {
    std::string rows;
    for (std::size_t i = 0; i < partitions.size(); ++i) {
      if (i > 0) rows += ',';
      rows += json_partition(partitions[i], report.watermarks.at(i));
    }
    return fmt::format(
        R"({{"name":{},"messages":{},"partitions":[{}],"config":{},"config_error":{}}})"
        "\n",
        json_text(report.topic.name), retained_messages(report), rows, json_config(report),
        report.configs ? "null" : json_text(report.config_error));
  }
  std::string out = fmt::format("topic {}: {} partition(s), {} message(s) retained\n",
                                report.topic.name, partitions.size(), retained_messages(report));
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
