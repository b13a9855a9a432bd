// BasicWriterPool<Row>: the sink's database sessions, each on its own thread, writing batches while
// the consumer thread goes on reading and decoding the next ones.
//
// Index maintenance in the database, not Kafka or parsing, is what limits a sink (a
// PostgreSQL session spends its time in one core updating B-trees); a second session puts
// the server's second core to work. Batches go to whichever writer is idle and commit in
// the order they were read (CommitSequencer), so the positions stored with them stay exact.
//
// Threads: submit(), collect(), wait_idle() and store() are called by one thread (the
// sink's loop). store(i) may be used only while every writer is idle.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"
#include "sinks/batch_store.hpp"
#include "sinks/commit_sequencer.hpp"
#include "sinks/sink_batch.hpp"

namespace tokenflow::sinks {

template <class Row>
class BasicWriterPool {
 public:
  using Store = BasicBatchStore<Row>;
  using Batch = BasicSinkBatch<Row>;

  struct Finished {
    std::unique_ptr<Batch> batch;
    core::Result<std::size_t> written;  // new rows, or why nothing of the batch was stored
    std::chrono::steady_clock::duration took{};
  };

  // One writer thread per store; `topic` names the positions the batches carry; a batch
  // waits at most `patience` for the batches before it to commit (CommitSequencer).
  BasicWriterPool(std::vector<std::unique_ptr<Store>> stores, std::string topic,
             std::chrono::milliseconds patience);
  ~BasicWriterPool();
  BasicWriterPool(const BasicWriterPool&) = delete;
  BasicWriterPool& operator=(const BasicWriterPool&) = delete;

  std::size_t size() const noexcept { return writers_.size(); }
  bool has_idle() const;
  std::size_t busy() const;

  // Hands the batch to an idle writer (call only when has_idle()); it commits after every
  // batch submitted before it.
  void submit(std::unique_ptr<Batch> batch);

  // Batches finished since the last call, waiting up to `wait` for the first one.
  std::vector<Finished> collect(std::chrono::milliseconds wait = std::chrono::milliseconds{0});

  // Waits until every writer is idle (their results are then ready for collect()).
  void wait_idle();

  CommitSequencer& sequencer() noexcept { return sequencer_; }
  Store& store(std::size_t i) { return *writers_[i].store; }

 private:
  struct Writer {
    std::unique_ptr<Store> store;
    std::unique_ptr<Batch> batch;  // the batch being written, or null when idle
    std::thread thread;
  };

  void run(Writer& writer);

  std::string topic_;
  std::chrono::milliseconds patience_;
  CommitSequencer sequencer_;
  mutable std::mutex mutex_;
  std::condition_variable work_;  // a writer got a batch, or stopping_
  std::condition_variable done_;  // a writer finished one
  std::vector<Writer> writers_;
  std::vector<Finished> finished_;
  bool stopping_ = false;
};

using WriterPool = BasicWriterPool<core::Transfer>;

}  // namespace tokenflow::sinks
