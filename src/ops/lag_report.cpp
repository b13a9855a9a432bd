#include "ops/lag_report.hpp"

#include <algorithm>
#include <cstdio>

#include "codec/json_writer.hpp"
#include "ops/table_text.hpp"

namespace tokenflow::ops {
namespace {

std::string seconds_text(const std::optional<double>& seconds) {
  if (!seconds) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", *seconds);
  return buf;
}

void append_optional(std::string& out, const std::optional<std::int64_t>& value) {
  if (value) {
    codec::append_int(out, *value);
  } else {
    out += "null";
  }
}

}  // namespace

const char* partition_status_name(PartitionStatus status) {
  switch (status) {
    case PartitionStatus::unknown: return "-";
    case PartitionStatus::ok: return "ok";
    case PartitionStatus::falling_behind: return "falling behind";
    case PartitionStatus::stalled: return "stalled";
    case PartitionStatus::stopped: return "stopped";
    case PartitionStatus::rewound: return "rewound";
    case PartitionStatus::no_offsets: return "no offsets";
  }
  return "-";
}

PartitionStatus evaluate(const std::deque<LagSample>& samples, std::optional<bool> has_members) {
  if (samples.empty()) return PartitionStatus::unknown;
  const auto& last = samples.back();
  if (last.committed < 0) return PartitionStatus::no_offsets;
  const auto lag_of = [](const LagSample& s) { return std::max<std::int64_t>(0, s.log_end - s.committed); };
  for (std::size_t i = 1; i < samples.size(); ++i) {
    if (samples[i - 1].committed >= 0 && samples[i].committed < samples[i - 1].committed) {
      return PartitionStatus::rewound;
    }
  }
  if (lag_of(last) == 0) return PartitionStatus::ok;
  if (samples.size() < 2) return PartitionStatus::unknown;
  const bool moved = std::any_of(samples.begin(), samples.end(), [&](const LagSample& s) {
    return s.committed != last.committed;
  });
  if (!moved) {
    return has_members.value_or(true) ? PartitionStatus::stalled : PartitionStatus::stopped;
  }
  // A consumer committing in batches has a saw-tooth lag: its low points rise only when it
  // does not keep up.
  const std::size_t half = samples.size() / 2;
  std::int64_t early = INT64_MAX;
  std::int64_t late = INT64_MAX;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& low = i < half ? early : late;
    low = std::min(low, lag_of(samples[i]));
  }
  if (half > 0 && late > early + std::max<std::int64_t>(100, early / 10)) {
    return PartitionStatus::falling_behind;
  }
  return PartitionStatus::ok;
}

std::int64_t GroupLagReport::total_lag() const {
  std::int64_t total = 0;
  for (const auto& r : rows) total += r.lag;
  return total;
}

std::optional<double> GroupLagReport::max_lag_seconds() const {
  std::optional<double> out;
  for (const auto& r : rows) {
    if (r.lag_seconds) out = std::max(out.value_or(0.0), *r.lag_seconds);
  }
  return out;
}

std::string format_lag_text(const std::vector<GroupLagReport>& groups) {
  std::string out;
  for (const auto& g : groups) {
    out += "GROUP " + g.group + "  state " + (g.state.empty() ? "unknown" : g.state) +
           "  members " + (g.members < 0 ? "unknown" : std::to_string(g.members)) + "  lag " +
           std::to_string(g.total_lag()) + " messages";
    if (auto s = g.max_lag_seconds()) out += ", " + seconds_text(s) + " s";
    out += '\n';
    if (!g.error.empty()) {
      out += "  cannot read it: " + g.error + "\n\n";
      continue;
    }
    const bool own = std::any_of(g.rows.begin(), g.rows.end(), [](const PartitionLagRow& r) {
      return r.stored || r.checkpoint;
    });
    const bool blocks = std::any_of(g.rows.begin(), g.rows.end(),
                                    [](const PartitionLagRow& r) { return r.lag_blocks.has_value(); });
    std::string header = pad_column("TOPIC", 24) + pad_column("PARTITION", 10) + pad_column("LOG-START-OFFSET", 17) +
                         pad_column("LOG-END-OFFSET", 15) + pad_column("CURRENT-OFFSET", 15) +
                         (own ? pad_column("RESUMES-AT", 12) : "") + pad_column("LAG", 9) + pad_column("LAG-SECONDS", 12) +
                         (blocks ? pad_column("LAG-BLOCKS", 11) : "") + pad_column("STATUS", 15) + "MEMBER";
    out += header + '\n';
    for (const auto& r : g.rows) {
      std::string resumes;
      if (own) {
        const auto& at = r.stored ? r.stored : r.checkpoint;
        resumes = optional_text(at) + (r.resume_differs() ? "*" : "") + (r.beyond_end ? "!" : "");
      }
      std::string line = pad_column(r.topic, 24) + pad_column(std::to_string(r.partition), 10) +
                         pad_column(std::to_string(r.log_start), 17) + pad_column(std::to_string(r.log_end), 15) +
                         pad_column(optional_text(r.committed), 15) + (own ? pad_column(resumes, 12) : "") +
                         pad_column(std::to_string(r.lag), 9) + pad_column(seconds_text(r.lag_seconds), 12) +
                         (blocks ? pad_column(optional_text(r.lag_blocks), 11) : "") +
                         pad_column(partition_status_name(r.status), 15) + (r.member.empty() ? "-" : r.member);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + '\n';
    }
    if (own) {
      out += "RESUMES-AT: where the group really resumes (the sink's database, the statistics' "
             "checkpoints); * differs from Kafka's offset, ! beyond the log's end (see tokenflow "
             "replay)\n";
    }
    out += '\n';
  }
  return out;
}

std::string format_lag_json(const std::vector<GroupLagReport>& groups) {
  std::string out = "{\"groups\":[";
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& g = groups[i];
    if (i) out += ',';
    out += "{\"group\":";
    codec::append_json_string(out, g.group);
    out += ",\"state\":";
    if (g.state.empty()) {
      out += "null";
    } else {
      codec::append_json_string(out, g.state);
    }
    out += ",\"members\":";
    append_optional(out, g.members < 0 ? std::nullopt : std::optional<std::int64_t>(g.members));
    out += ",\"lag\":";
    codec::append_int(out, g.total_lag());
    out += ",\"error\":";
    codec::append_json_string(out, g.error);
    out += ",\"partitions\":[";
    for (std::size_t j = 0; j < g.rows.size(); ++j) {
      const auto& r = g.rows[j];
      if (j) out += ',';
      out += "{\"topic\":";
      codec::append_json_string(out, r.topic);
      out += ",\"partition\":";
      codec::append_int(out, r.partition);
      out += ",\"log_start\":";
      codec::append_int(out, r.log_start);
      out += ",\"log_end\":";
      codec::append_int(out, r.log_end);
      out += ",\"committed\":";
      append_optional(out, r.committed);
      out += ",\"stored\":";
      append_optional(out, r.stored);
      out += ",\"checkpoint\":";
      append_optional(out, r.checkpoint);
      out += ",\"resume_differs\":";
      out += r.resume_differs() ? "true" : "false";
      out += ",\"beyond_end\":";
      out += r.beyond_end ? "true" : "false";
      out += ",\"lag\":";
      codec::append_int(out, r.lag);
      out += ",\"lag_seconds\":";
      out += r.lag_seconds ? seconds_text(r.lag_seconds) : "null";
      out += ",\"lag_blocks\":";
      append_optional(out, r.lag_blocks);
      out += ",\"status\":";
      codec::append_json_string(out, r.status == PartitionStatus::unknown
                                         ? "unknown"
                                         : partition_status_name(r.status));
      out += ",\"member\":";
      codec::append_json_string(out, r.member);
      out += '}';
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace tokenflow::ops
