// EventSink<Events>: the consumer loop of every sink (`tokenflow sink postgres` of transfers
// or price ticks, `tokenflow sink redis`, and `tokenflow up`'s): Kafka -> decode -> batch ->
// BasicBatchStore, exactly once in the store. TransferSink and PriceSink name its two kinds.
//
// Write first, then commit: a batch's rows and the next offsets it covers go to the store in
// one transaction; only then are the offsets committed to Kafka (for lag tools). On
// partition assignment the sink starts from the offsets stored in the database, so a crash
// at any moment replays at most the unwritten batches, and ids already stored are ignored.
//
// The loop reads and decodes the next batch while WriterPool's sessions write the previous
// ones (several at once: the database's index maintenance is the bottleneck) and commit them
// in the order they were read. Messages that fail to decode go to the dead-letter topic
// (flushed before their batch is handed to a writer, so no dead letter is lost); the rest of
// the batch still lands. When a write fails (the database went away, or lost acknowledged
// batches), every uncommitted batch is dropped and, after a backoff, the sink reloads the
// positions stored in the database and reads again from there: the same path as a restart,
// so it is exercised by every crash test.
//
// Lifecycle: construct, run() on one thread until it returns; probe() and consumer_probe()
// may be read from any thread meanwhile (progress lines).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/result.hpp"
#include "core/retry_policy.hpp"
#include "core/stop_signal.hpp"
#include "http/prometheus.hpp"
#include "kafka/admin.hpp"
#include "kafka/consumer.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/metrics.hpp"
#include "kafka/producer.hpp"
#include "sinks/batch_store.hpp"
#include "sinks/sink_batch.hpp"
#include "sinks/sink_events.hpp"
#include "sinks/writer_pool.hpp"

namespace tokenflow::sinks {

struct SinkOptions {
  std::string topic = "stablecoin-transfers";
  // 5,000 rows per transaction: measured in bench/sink_bench (docs/benchmarks.md); the
  // original scripts' 100 works but pays a transaction per 100 rows.
  std::size_t batch_size = 5000;
  // A batch is handed to a writer when it is full, when its first message is this old, or
  // as soon as a writer is idle and nothing more is waiting in Kafka. So at low rates a
  // message waits for about one write, and under load batches fill up while the writers
  // are busy (bench/latency_bench, bench/sink_bench).
  std::chrono::milliseconds batch_timeout{20};
  // Database sessions writing at once (each with its own thread): 2 puts both cores of the
  // server to work (README.md, Benchmarks). 1 writes in strict sequence (SQLite).
  std::size_t writers = 2;
  // How long a batch ready to commit waits for the batches before it; beyond that every
  // uncommitted batch is rolled back and read again (CommitSequencer::wait_turn). Far above
  // any write's duration: only a lock cycle through another session should reach it.
  std::chrono::milliseconds commit_patience{10'000};
  std::uint64_t max_records = 0;  // stop after this many consumed messages; 0: never
  core::RetryPolicy retry{std::chrono::milliseconds(250), std::chrono::milliseconds(10'000), 2.0,
                          0};
  std::chrono::milliseconds dead_letter_flush_timeout{30'000};
  // "Loaded N records to <table>" at info level (the sink role); debug when another display
  // reports progress (`tokenflow up`).
  bool log_batches = true;
};

struct SinkProbe {
  kafka::Counter consumed{"tokenflow_sink_consumed_total",
                          "messages consumed (stored or dead-lettered)"};
  kafka::Counter stored{"tokenflow_sink_rows_stored_total", "new rows stored"};
  kafka::Counter duplicates{"tokenflow_sink_duplicates_total",
                            "rows ignored because their id was already stored"};
  kafka::Counter dead_letters{"tokenflow_sink_dead_letters_total",
                              "messages sent to the dead-letter topic"};
  kafka::Counter batches{"tokenflow_sink_batches_total", "batches committed to the database"};
  kafka::Counter write_retries{
      "tokenflow_sink_write_retries_total",
      "times the sink resumed from the stored positions after a failed write"};
  kafka::Counter reread{"tokenflow_sink_reread_total",
                        "messages dropped uncommitted after a failed write and read again"};
  // From a writer taking a batch to its COMMIT (the COPY, the wait for the batches before
  // it, the positions), for committed batches (tokenflow_sink_batch_duration_seconds).
  http::LatencyHistogram batch_duration;
};

template <class Events>
class EventSink final : public kafka::RebalanceListener {
 public:
  using Row = typename Events::Row;
  using Store = BasicBatchStore<Row>;
  using Batch = BasicSinkBatch<Row>;
  using Writers = BasicWriterPool<Row>;
  // Makes one connection to the database (not yet connected): the sink opens one per writer
  // and one for reading positions on assignment.
  using StoreFactory = std::function<std::unique_ptr<Store>()>;

  EventSink(SinkOptions options, kafka::ClientConfig client,
            kafka::ConsumerOptions consumer_options, StoreFactory make_store,
            kafka::Producer& dead_letter_producer);
  ~EventSink() override;

  // Runs until `stop` is requested (finishing the batches read), max_records is reached,
  // or an error that retrying cannot fix (the database rejects the schema, a fatal Kafka
  // error). Returns that error, or success.
  core::Result<void> run(const core::StopSignal& stop);

  const SinkProbe& probe() const noexcept { return probe_; }
  const kafka::DeadLetterPublisher& dead_letters() const noexcept { return dead_letters_; }
  // Null until run() has joined the group.
  const kafka::ConsumerProbe* consumer_probe() const noexcept {
    return consumer_probe_.load(std::memory_order_acquire);
  }

  // RebalanceListener
  core::Positions on_assigned(const kafka::TopicPartitions& partitions) override;
  void on_revoked(const kafka::TopicPartitions& partitions) override;

 private:
  core::Result<void> connect_store(Store& store, const core::StopSignal& stop);
  void accept(const kafka::Message& message);
  void note_read(std::int32_t partition, std::int64_t offset);
  // Waits `delay` while serving the consumer group (rebalances); false if stop was requested.
  bool wait_serving_the_group(std::chrono::milliseconds delay, const core::StopSignal& stop);
  bool batch_full() const;
  bool batch_timed_out(std::chrono::steady_clock::time_point now) const;
  // Hands the batch being filled to an idle writer (dead letters flushed first).
  void dispatch();
  // Submits what was read and waits until every writer has finished (stop, revocation).
  void drain();
  void handle(std::vector<typename Writers::Finished> finished);
  // Drops a batch that will not be stored and recycles its storage.
  void discard(std::unique_ptr<Batch> batch);
  void recycle(std::unique_ptr<Batch> batch);
  std::unique_ptr<Batch> fresh_batch();
  // After a failed write: drops everything uncommitted, waits, reloads the stored positions
  // and seeks there. Returns false if a stop was requested meanwhile.
  core::Result<bool> resume_from_stored(const core::StopSignal& stop);
  std::vector<core::Partition> assigned_partitions() const;
  // A stored position beyond its partition's end names another log (a topic created again,
  // another cluster): sets fatal_ with the fix, since reading on would skip what the new log
  // holds below it.
  void check_stored_within_log(const core::Positions& stored);

  SinkOptions options_;
  kafka::ClientConfig client_;
  kafka::ConsumerOptions consumer_options_;
  StoreFactory make_store_;
  kafka::Producer& dlq_producer_;
  kafka::DeadLetterPublisher dead_letters_;
  typename Events::Decoder decoder_;
  SinkProbe probe_;
  std::mt19937_64 rng_{std::random_device{}()};

  std::unique_ptr<Store> positions_store_;  // on_assigned's reads, on the loop's thread
  std::unique_ptr<kafka::Admin> admin_;          // the partitions' ends, for on_assigned
  std::unique_ptr<Writers> writers_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::atomic<const kafka::ConsumerProbe*> consumer_probe_{nullptr};

  std::unique_ptr<Batch> filling_;                 // the batch being read
  std::vector<std::unique_ptr<Batch>> spare_;      // finished batches, storage kept
  std::uint64_t next_sequence_ = 0;
  // With several writers, ids of rows read but not yet committed: a repeat is left to the
  // earlier batch, so two open transactions never insert the same key (one would wait on
  // the other's lock while the other waits for its turn to commit).
  // Its nodes come from a pool (one malloc and free per row showed in profiles).
  std::pmr::unsynchronized_pool_resource id_nodes_;
  std::pmr::unordered_set<std::string_view> uncommitted_ids_{&id_nodes_};
  std::size_t dead_letters_logged_ = 0;    // in the batch being filled
  std::uint64_t dead_letters_failed_ = 0;  // the producer's failed deliveries, last seen

  // Per partition of the topic (index): assigned to us, and the first offset read since
  // (-1: none), where to read again from if the database turns out to hold nothing of it.
  std::vector<bool> assigned_;
  std::vector<std::int64_t> first_read_;

  bool needs_resume_ = false;  // a write failed: resume_from_stored() before reading on
  std::uint64_t reread_logged_ = 0;  // probe_.reread when resume_from_stored() last said it
  // Messages consumed into batches that were then dropped uncommitted (read again later):
  // --max-records counts each message once, however often an outage makes it read.
  std::uint64_t consumed_then_dropped_ = 0;
  std::uint64_t consumed_once() const noexcept {
    return probe_.consumed.get() - consumed_then_dropped_;
  }
  std::optional<core::Error> fatal_;
  std::uint32_t failures_in_a_row_ = 0;
};

using TransferSink = EventSink<TransferEvents>;
using PriceSink = EventSink<PriceEvents>;
// Both kinds are compiled once, in event_sink.cpp.
extern template class EventSink<TransferEvents>;
extern template class EventSink<PriceEvents>;

}  // namespace tokenflow::sinks
