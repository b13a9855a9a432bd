#include "ops/replay_plan.hpp"

#include <algorithm>
#include <cstdio>

#include "ops/table_text.hpp"

namespace tokenflow::ops {
void clamp_into_log(PartitionMove& move) {
  move.next = std::clamp(move.wanted, move.log_start, move.log_end);
}

std::string format_rewind(std::int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  std::int64_t a = ms < 0 ? -ms : ms;
  char buf[64];
  if (a < 60'000) {
    std::snprintf(buf, sizeof buf, "%s%.1fs", sign, static_cast<double>(a) / 1000.0);
  } else if (a < 3'600'000) {
    std::snprintf(buf, sizeof buf, "%s%lldm %llds", sign, static_cast<long long>(a / 60'000),
                  static_cast<long long>(a % 60'000 / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%s%lldh %lldm", sign, static_cast<long long>(a / 3'600'000),
                  static_cast<long long>(a % 3'600'000 / 60'000));
  }
  return buf;
}

std::string format_replay_table(const std::vector<PartitionMove>& moves, bool has_database) {
  const bool blocks = std::any_of(moves.begin(), moves.end(), [](const PartitionMove& m) {
    return m.current_block.has_value() || m.next_block.has_value();
  });
  std::string out = pad_column("TOPIC", 24) + pad_column("PARTITION", 10) + pad_column("LOG-START", 11) +
                    pad_column("LOG-END", 11) + pad_column("KAFKA", 11) +
                    (has_database ? pad_column("STORED", 11) : "") + pad_column("NEW", 11) + pad_column("RE-READ", 10) +
                    pad_column("REWOUND", 10) + (blocks ? "BLOCKS" : "");
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += '\n';
  std::int64_t total = 0;
  for (const auto& m : moves) {
    std::string line = pad_column(m.topic, 24) + pad_column(std::to_string(m.partition), 10) +
                       pad_column(std::to_string(m.log_start), 11) + pad_column(std::to_string(m.log_end), 11) +
                       pad_column(optional_text(m.committed), 11) +
                       (has_database ? pad_column(optional_text(m.stored), 11) : "") +
                       pad_column(std::to_string(m.next) + (m.clamped() ? "*" : ""), 11) +
                       pad_column(std::to_string(m.reread()), 10) +
                       pad_column(m.current_time_ms && m.next_time_ms
                               ? format_rewind(*m.current_time_ms - *m.next_time_ms)
                               : "-",
                           10);
    if (blocks) {
      line += m.current_block && m.next_block ? std::to_string(*m.current_block - *m.next_block)
                                              : "-";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
    total += m.reread();
  }
  out += "total: " + std::to_string(total) +
         (total >= 0 ? " messages to read again" : " messages skipped") + " over " +
         std::to_string(moves.size()) + " partitions";
  if (std::any_of(moves.begin(), moves.end(), [](const PartitionMove& m) { return m.clamped(); })) {
    out += " (* clamped into the log)";
  }
  out += '\n';
  return out;
}

}  // namespace tokenflow::ops
