// What `tokenflow topics list` and `topics describe` print, as text for people or JSON for
// programs (--format json), from what kafka::Admin read. Kept apart from the command so the
// layout can be tested without a cluster.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/admin.hpp"

namespace tokenflow::cli {

enum class ReportFormat { text, json };

// Messages a partition holds now: high - low watermark (an upper bound on a compacted topic).
std::int64_t retained_messages(const kafka::Watermarks& marks);

struct TopicSummary {
  std::string name;
  int partitions = 0;
  std::int64_t messages = 0;  // retained, summed over the partitions
};

// One line per topic (after a header line in text).
std::string render_topic_list(const std::vector<TopicSummary>& topics, ReportFormat format);

struct TopicReport {
  kafka::TopicDescription topic;
  std::vector<kafka::Watermarks> watermarks;  // one per partition, in the same order
  // The topic's settings, or why they could not be read (config_error).
  std::optional<std::vector<kafka::ConfigEntry>> configs;
  std::string config_error;
  bool all_configs = false;  // every setting, or only those not at the cluster's default
};

// Messages retained by every partition of the report's topic.
std::int64_t retained_messages(const TopicReport& report);

std::string render_topic_report(const TopicReport& report, ReportFormat format);

}  // namespace tokenflow::cli
