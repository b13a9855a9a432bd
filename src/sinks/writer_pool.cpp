#include "sinks/writer_pool.hpp"

#include <algorithm>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {

template <class Row>
BasicWriterPool<Row>::BasicWriterPool(std::vector<std::unique_ptr<Store>> stores, std::string topic,
                       std::chrono::milliseconds patience)
    : topic_(std::move(topic)), patience_(patience), writers_(stores.size()) {
  for (std::size_t i = 0; i < stores.size(); ++i) writers_[i].store = std::move(stores[i]);
  // Started after the vector is complete: the threads hold references into it.
  for (auto& writer : writers_) writer.thread = std::thread([this, &writer] { run(writer); });
}

template <class Row>
BasicWriterPool<Row>::~BasicWriterPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& writer : writers_) {
    if (writer.thread.joinable()) writer.thread.join();
  }
}

template <class Row>
bool BasicWriterPool<Row>::has_idle() const {
  std::lock_guard lock(mutex_);
  return std::any_of(writers_.begin(), writers_.end(), [](const Writer& w) { return !w.batch; });
}

template <class Row>
std::size_t BasicWriterPool<Row>::busy() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(writers_.begin(), writers_.end(), [](const Writer& w) { return !!w.batch; }));
}

template <class Row>
void BasicWriterPool<Row>::submit(std::unique_ptr<Batch> batch) {
  {
    std::lock_guard lock(mutex_);
    auto idle =
        std::find_if(writers_.begin(), writers_.end(), [](const Writer& w) { return !w.batch; });
    // The caller checked has_idle(): only it submits, so a writer it saw idle still is.
    idle->batch = std::move(batch);
  }
  work_.notify_all();
}

template <class Row>
std::vector<typename BasicWriterPool<Row>::Finished> BasicWriterPool<Row>::collect(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  if (finished_.empty() && wait.count() > 0) {
    done_.wait_for(lock, wait, [&] { return !finished_.empty(); });
  }
  return std::exchange(finished_, {});
}

template <class Row>
void BasicWriterPool<Row>::wait_idle() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [&] {
    return std::none_of(writers_.begin(), writers_.end(),
                        [](const Writer& w) { return !!w.batch; });
  });
}

template <class Row>
void BasicWriterPool<Row>::run(Writer& writer) {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || writer.batch; });
    if (!writer.batch) return;  // stopping, nothing left to write
    Batch* batch = writer.batch.get();
    lock.unlock();

    const auto started = std::chrono::steady_clock::now();
    const std::uint64_t sequence = batch->sequence;
    auto written = writer.store->write(batch->stored_rows(), batch->positions(topic_),
                                       [&] { return sequencer_.wait_turn(sequence, patience_); });
    if (written) {
      sequencer_.committed(sequence);
    } else {
      // Later batches must not commit past this one (their positions would skip its rows).
      sequencer_.failed();
    }
    const auto took = std::chrono::steady_clock::now() - started;

    lock.lock();
    finished_.push_back(Finished{std::move(writer.batch), std::move(written), took});
    done_.notify_all();
  }
}

template class BasicWriterPool<core::Transfer>;
template class BasicWriterPool<core::PriceTick>;

}  // namespace tokenflow::sinks
