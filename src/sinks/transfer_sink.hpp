// TransferSink: the consumer loop of `tokenflow sink postgres` (and of `tokenflow up`):
// Kafka -> decode -> batch -> BatchStore, exactly once in the database.
//
// Write first, then commit: a batch's rows and the next offsets it covers go to the store in
// one transaction; only then are the offsets committed to Kafka (for lag tools). On
// partition assignment the sink starts from the offsets stored in the database, so a crash
// at any moment replays at most the unwritten batch, and ids already stored are ignored.
// Messages that fail to decode go to the dead-letter topic (flushed before the batch's
// offsets are stored, so no dead letter is lost either); the rest of the batch still lands.
// When the database goes away the batch is kept and retried with backoff until it lands or
// a stop is requested (then nothing of it is stored, and it is re-read on restart).
//
// Lifecycle: construct, run() on one thread until it returns; the counters may be read from
// any thread meanwhile (progress lines).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "codec/transfer_decoder.hpp"
#include "core/result.hpp"
#include "core/retry_policy.hpp"
#include "core/stop_signal.hpp"
#include "kafka/consumer.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/metrics.hpp"
#include "kafka/producer.hpp"
#include "sinks/batch_store.hpp"

namespace tokenflow::sinks {

struct TransferSinkOptions {
  std::string topic = "stablecoin-transfers";
  // 5,000 rows per transaction: measured in bench/sink_bench (README, Benchmarks); the
  // original scripts' 100 works but pays a transaction per 100 rows.
  std::size_t batch_size = 5000;
  std::chrono::milliseconds batch_timeout{1000};
  std::uint64_t max_records = 0;  // stop after this many consumed messages; 0: never
  core::RetryPolicy retry{std::chrono::milliseconds(250), std::chrono::milliseconds(10'000), 2.0, 0};
  std::chrono::milliseconds dead_letter_flush_timeout{30'000};
  // "Loaded N records to <table>" at info level (the sink role); debug when another display
  // reports progress (`tokenflow up`).
  bool log_batches = true;
};

struct SinkProbe {
  kafka::Counter consumed{"tokenflow_sink_consumed_total", "messages consumed (stored or dead-lettered)"};
  kafka::Counter stored{"tokenflow_sink_rows_stored_total", "new rows stored"};
  kafka::Counter duplicates{"tokenflow_sink_duplicates_total", "rows ignored because their id was already stored"};
  kafka::Counter dead_letters{"tokenflow_sink_dead_letters_total", "messages sent to the dead-letter topic"};
  kafka::Counter batches{"tokenflow_sink_batches_total", "batches committed to the database"};
  kafka::Counter write_retries{"tokenflow_sink_write_retries_total", "batch writes retried after the database was unavailable"};
  kafka::Counter dropped_on_revoke{"tokenflow_sink_dropped_on_revoke_total", "buffered messages dropped on partition revocation (re-read by the new owner)"};
};

class TransferSink final : public kafka::RebalanceListener {
 public:
  TransferSink(TransferSinkOptions options, kafka::ClientConfig client,
               kafka::ConsumerOptions consumer_options, BatchStore& store,
               kafka::Producer& dead_letter_producer);
  ~TransferSink() override;

  // Runs until `stop` is requested (finishing the current batch), max_records is reached,
  // or an error that retrying cannot fix (the database rejects the schema, a fatal Kafka
  // error). Returns that error, or success.
  core::Result<void> run(const core::StopSignal& stop);

  const SinkProbe& probe() const noexcept { return probe_; }
  const kafka::ConsumerProbe* consumer_probe() const noexcept;

  // RebalanceListener
  core::Positions on_assigned(const kafka::TopicPartitions& partitions) override;
  void on_revoked(const kafka::TopicPartitions& partitions) override;

 private:
  struct PartitionSpan {
    std::int64_t first = -1;  // first offset buffered in this batch
    std::int64_t next = -1;   // next offset to read after the batch
  };

  void accept(const kafka::Message& message);
  bool batch_due(std::chrono::steady_clock::time_point now) const;
  bool has_pending() const { return pending_messages_ != 0; }
  core::Positions batch_positions() const;
  // Writes the batch, retrying while the store is unavailable. Returns false (batch kept)
  // if a stop was requested before it landed; an error if it can never land.
  core::Result<bool> flush(const core::StopSignal* stop, bool single_attempt);
  void clear_batch();
  core::Result<void> connect_store(const core::StopSignal& stop);

  TransferSinkOptions options_;
  kafka::ClientConfig client_;
  kafka::ConsumerOptions consumer_options_;
  BatchStore& store_;
  kafka::Producer& dlq_producer_;
  kafka::DeadLetterPublisher dead_letters_;
  std::unique_ptr<kafka::Consumer> consumer_;
  codec::TransferDecoder decoder_;
  SinkProbe probe_;
  std::mt19937_64 rng_{std::random_device{}()};

  // The batch: rows_[0, row_count_) are valid; their storage is reused batch after batch.
  std::vector<core::Transfer> rows_;
  std::size_t row_count_ = 0;
  std::size_t pending_messages_ = 0;
  std::size_t pending_dead_letters_ = 0;
  std::vector<PartitionSpan> spans_;  // indexed by partition
  std::chrono::steady_clock::time_point batch_started_;
  std::vector<kafka::TopicPartition> rewind_;  // partitions to seek back after a dropped batch
};

}  // namespace tokenflow::sinks
