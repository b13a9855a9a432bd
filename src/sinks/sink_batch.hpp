// BasicSinkBatch<Row>: the messages of one sink transaction, as they are read. Its decoded
// rows and the next offset of every partition it covers go to the database together; its
// storage is reused batch after batch (the rows' strings keep their capacity).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/position.hpp"
#include "core/price_tick.hpp"
#include "core/transfer.hpp"

namespace tokenflow::sinks {

template <class Row>
struct BasicSinkBatch {
  struct PartitionSpan {
    std::int64_t first = -1;  // first offset of this partition in the batch
    std::int64_t next = -1;   // next offset to read after the batch
  };

  std::uint64_t sequence = 0;        // commit order (sinks/commit_sequencer.hpp)
  std::vector<Row> rows;             // rows[0, row_count) are this batch's
  std::size_t row_count = 0;
  std::size_t messages = 0;          // messages read: rows, dead letters and skipped repeats
  std::size_t dead_letters = 0;      // published to the dead-letter topic; flushed before commit
  std::size_t repeats = 0;           // ids already in an uncommitted batch, left to that one
  std::vector<PartitionSpan> spans;  // indexed by partition
  std::chrono::steady_clock::time_point started;

  bool empty() const noexcept { return messages == 0; }

  std::span<const Row> stored_rows() const noexcept { return {rows.data(), row_count}; }

  // The slot the next decoded row goes into (kept only if commit_row() is called).
  Row& next_row() {
    if (row_count == rows.size()) rows.emplace_back();
    return rows[row_count];
  }
  void commit_row() noexcept { ++row_count; }

  void note_message(std::int32_t partition, std::int64_t offset) {
    // The clock is read once per batch, not per message (it showed in profiles).
    if (messages == 0) started = std::chrono::steady_clock::now();
    ++messages;
    const auto p = static_cast<std::size_t>(partition);
    if (p >= spans.size()) spans.resize(p + 1);
    if (spans[p].first < 0) spans[p].first = offset;
    spans[p].next = offset + 1;
  }

  core::Positions positions(const std::string& topic) const {
    core::Positions out;
    for (std::size_t p = 0; p < spans.size(); ++p) {
      if (spans[p].next >= 0) {
        out.push_back(
            {topic, core::Partition{static_cast<std::int32_t>(p)}, core::Offset{spans[p].next}});
      }
    }
    return out;
  }

  void clear() noexcept {
    row_count = 0;
    messages = 0;
    dead_letters = 0;
    repeats = 0;
    for (auto& span : spans) span = PartitionSpan{};
  }
};

using SinkBatch = BasicSinkBatch<core::Transfer>;

}  // namespace tokenflow::sinks
