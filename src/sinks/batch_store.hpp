// BasicBatchStore<Row>: a database that receives batches of events (transfers, price ticks)
// together with the Kafka positions they cover, in one transaction. This is what makes an at-least-once Kafka
// consumer exactly-once in the database: rows are keyed by event id (duplicates ignored)
// and the next offsets live beside them, so after any crash the sink resumes from the
// positions that match the rows exactly.
//
// Lifecycle: created by the cli, used by one thread at a time (a sink writer, or the sink's
// loop while the writers are idle). connect() may be
// called again after any error reported as sinks::errc::unavailable.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/position.hpp"
#include "core/result.hpp"
#include "core/price_tick.hpp"
#include "core/transfer.hpp"

namespace tokenflow::sinks {

// Called by write() once the batch is in the open transaction, right before COMMIT: true
// commits, false rolls back (write() then returns errc::aborted). The sink's writers use it
// to commit concurrent batches in the order they were read (sinks/commit_sequencer.hpp).
using CommitGate = std::function<bool()>;

template <class Row>
class BasicBatchStore {
 public:
  virtual ~BasicBatchStore() = default;

  // Where rows go, for log lines: "raw.transfers_kafka" (the table's qualified name).
  virtual const std::string& table_name() const = 0;

  // (Re)connects. Errors: errc::unavailable (retry later), errc::rejected (configuration).
  virtual core::Result<void> connect() = 0;

  // Creates schema, tables, indexes and the positions table if missing. Idempotent.
  virtual core::Result<void> init_schema() = 0;

  // The stored next offsets of these partitions of `topic`; partitions never written are
  // absent from the answer.
  virtual core::Result<core::Positions> load_positions(
      const std::string& topic, const std::vector<core::Partition>& partitions) = 0;

  // One transaction: insert `rows` (a row whose id is already stored, or repeated within
  // `rows`, is ignored) and store `positions` (never moving a stored position backwards).
  // Returns how many rows were new. On error nothing of the batch is stored. An empty
  // `gate` commits unconditionally.
  virtual core::Result<std::size_t> write(std::span<const Row> rows,
                                          const core::Positions& positions,
                                          const CommitGate& gate) = 0;
  core::Result<std::size_t> write(std::span<const Row> rows,
                                  const core::Positions& positions) {
    return write(rows, positions, CommitGate{});
  }

  // Deletes every position stored for this table; its rows stay. The next assignment of
  // a partition starts where the consumer's auto.offset.reset says. For `up` on the
  // embedded cluster, which starts empty: the positions of an earlier run name offsets of
  // a log that is gone. Returns how many partitions' positions were forgotten.
  virtual core::Result<std::size_t> forget_positions() = 0;

  // Sets the stored positions of these partitions to exactly these offsets, backwards too,
  // in one transaction (`tokenflow replay`: the sink then reads again from there; rows
  // already stored are ignored as duplicates). Other partitions are untouched.
  virtual core::Result<void> replace_positions(const core::Positions& positions) = 0;

  // Rows in the table (for progress lines and tests).
  virtual core::Result<std::uint64_t> count_rows() = 0;
};

using BatchStore = BasicBatchStore<core::Transfer>;
using PriceBatchStore = BasicBatchStore<core::PriceTick>;

}  // namespace tokenflow::sinks
