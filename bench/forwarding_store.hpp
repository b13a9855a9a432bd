// ForwardingStore<Row>: a BatchStore that hands every call to another one, for benchmarks that
// watch the sink's store (when it is assigned, how long each write takes) by overriding only
// the calls they watch. A new call of the interface then needs forwarding in one place only.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sinks/batch_store.hpp"

namespace tokenflow::bench {

template <class Row>
class ForwardingStore : public sinks::BasicBatchStore<Row> {
 public:
  explicit ForwardingStore(std::unique_ptr<sinks::BasicBatchStore<Row>> inner)
      : inner_(std::move(inner)) {}

  const std::string& table_name() const override { return inner_->table_name(); }
  core::Result<void> connect() override { return inner_->connect(); }
  core::Result<void> init_schema() override { return inner_->init_schema(); }
  core::Result<core::Positions> load_positions(
      const std::string& topic, const std::vector<core::Partition>& partitions) override {
    return inner_->load_positions(topic, partitions);
  }
  using sinks::BasicBatchStore<Row>::write;
  core::Result<std::size_t> write(std::span<const Row> rows, const core::Positions& positions,
                                  const sinks::CommitGate& gate) override {
    return inner_->write(rows, positions, gate);
  }
  core::Result<std::size_t> forget_positions() override { return inner_->forget_positions(); }
  core::Result<void> replace_positions(const core::Positions& positions) override {
    return inner_->replace_positions(positions);
  }
  core::Result<std::uint64_t> count_rows() override { return inner_->count_rows(); }

 protected:
  const sinks::BasicBatchStore<Row>& inner() const { return *inner_; }

 private:
  std::unique_ptr<sinks::BasicBatchStore<Row>> inner_;
};

}  // namespace tokenflow::bench
