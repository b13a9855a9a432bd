#include "sinks/transfer_sink.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

using Clock = std::chrono::steady_clock;

// A flood of bad messages is logged in full for the first few of each batch, then summed up.
constexpr std::size_t kDeadLetterLogsPerBatch = 5;

bool is_unavailable(const core::Error& error) { return error.code == errc::unavailable; }

}  // namespace

TransferSink::TransferSink(TransferSinkOptions options, kafka::ClientConfig client,
                           kafka::ConsumerOptions consumer_options, BatchStore& store,
                           kafka::Producer& dead_letter_producer)
    : options_(std::move(options)), client_(std::move(client)),
      consumer_options_(std::move(consumer_options)), store_(store),
      dlq_producer_(dead_letter_producer), dead_letters_(dead_letter_producer) {
  if (consumer_options_.topics.empty()) consumer_options_.topics = {options_.topic};
  rows_.resize(std::max<std::size_t>(options_.batch_size, 1));
}

TransferSink::~TransferSink() {
  if (consumer_) (void)consumer_->close();
}

const kafka::ConsumerProbe* TransferSink::consumer_probe() const noexcept {
  return consumer_ ? &consumer_->probe() : nullptr;
}

core::Result<void> TransferSink::connect_store(const core::StopSignal& stop) {
  for (std::uint32_t attempt = 1;; ++attempt) {
    auto connected = store_.connect();
    if (connected.ok()) return core::success();
    if (!is_unavailable(connected.error()) || options_.retry.gives_up_after(attempt)) {
      return std::move(connected).error();
    }
    auto delay = options_.retry.delay(attempt, rng_);
    spdlog::warn("{}; retrying in {} ms (attempt {})", connected.error().message, delay.count(),
                 attempt);
    if (!stop.wait_for(delay)) return std::move(connected).error();
  }
}

core::Result<void> TransferSink::run(const core::StopSignal& stop) {
  if (auto connected = connect_store(stop); !connected.ok()) return connected;
  auto consumer = kafka::Consumer::create(client_, consumer_options_, this);
  if (!consumer.ok()) return std::move(consumer).error();
  consumer_ = std::move(consumer).value();
  spdlog::info("sink: consuming {} as group '{}' into {} (batch {} rows or {} ms)",
               options_.topic, consumer_options_.group_id, store_.table_name(),
               options_.batch_size, options_.batch_timeout.count());

  core::Result<void> outcome = core::success();
  while (!stop.requested()) {
    if (options_.max_records != 0 && probe_.consumed.get() >= options_.max_records) break;
    auto wait = std::chrono::milliseconds(100);
    if (has_pending()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          batch_started_ + options_.batch_timeout - Clock::now());
      wait = std::clamp(left, std::chrono::milliseconds(0), wait);
    }
    if (auto message = consumer_->poll(wait)) {
      if (!message->is_error()) accept(*message);
    }
    if (!rewind_.empty()) {
      // A batch was dropped on revocation: partitions we still own must re-read it.
      core::Positions positions;
      for (auto& tp : rewind_) {
        auto stored = store_.load_positions(tp.topic, {tp.partition});
        if (stored.ok() && !stored->empty()) positions.push_back(stored->front());
      }
      rewind_.clear();
      if (!positions.empty()) {
        if (auto sought = consumer_->seek(positions, std::chrono::seconds(10)); !sought.ok()) {
          spdlog::error("sink: cannot rewind after a dropped batch: {}", sought.error().message);
          outcome = std::move(sought).error();
          break;
        }
      }
    }
    if (auto fatal = consumer_->fatal_error()) {
      outcome = *fatal;
      break;
    }
    if (batch_due(Clock::now())) {
      auto flushed = flush(&stop, false);
      if (!flushed.ok()) {
        outcome = std::move(flushed).error();
        break;
      }
      if (!*flushed) break;  // stop requested while the database was away
    }
  }

  if (outcome.ok() && has_pending()) {
    // Finish the current batch before leaving (SIGINT/SIGTERM or --max-records).
    auto flushed = flush(&stop, false);
    if (!flushed.ok()) {
      outcome = std::move(flushed).error();
    } else if (!*flushed) {
      spdlog::warn("sink: stopping with {} messages not stored; they will be read again on restart",
                   pending_messages_);
      clear_batch();
    }
  }
  if (auto closed = consumer_->close(); !closed.ok()) {
    spdlog::warn("sink: leaving the consumer group: {}", closed.error().message);
  }
  spdlog::info("sink: stopped after {} messages: {} rows stored, {} duplicates ignored, {} dead letters",
               probe_.consumed.get(), probe_.stored.get(), probe_.duplicates.get(),
               probe_.dead_letters.get());
  return outcome;
}

void TransferSink::accept(const kafka::Message& message) {
  if (!has_pending()) batch_started_ = Clock::now();
  auto partition = static_cast<std::size_t>(message.partition().value);
  if (partition >= spans_.size()) spans_.resize(partition + 1);
  auto& span = spans_[partition];
  if (span.first < 0) span.first = message.offset().value;
  span.next = message.offset().value + 1;
  ++pending_messages_;
  probe_.consumed.add();

  if (row_count_ == rows_.size()) rows_.emplace_back();
  auto decoded = decoder_.decode(message.payload(), rows_[row_count_]);
  if (decoded.ok()) {
    ++row_count_;
    return;
  }
  const auto& reason = decoded.error().message;
  if (pending_dead_letters_ < kDeadLetterLogsPerBatch) {
    spdlog::warn("{}[{}]@{}: {}; sent to {}", message.topic(), message.partition().value,
                 message.offset().value, reason, dead_letters_.topic());
  }
  ++pending_dead_letters_;
  auto published = dead_letters_.publish(message.payload(), message.key(),
                                         std::string(message.topic()), message.partition(),
                                         message.offset(), reason);
  if (!published.ok()) {
    // The dead letter is not accepted by the producer: keep the offsets from moving past it
    // by failing the flush (the batch is then retried or re-read after a restart).
    spdlog::error("{}[{}]@{}: cannot publish dead letter: {}", message.topic(),
                  message.partition().value, message.offset().value, published.error().message);
  }
  probe_.dead_letters.add();
}

bool TransferSink::batch_due(Clock::time_point now) const {
  if (!has_pending()) return false;
  return row_count_ >= options_.batch_size || pending_messages_ >= options_.batch_size ||
         now - batch_started_ >= options_.batch_timeout ||
         (options_.max_records != 0 && probe_.consumed.get() >= options_.max_records);
}

core::Positions TransferSink::batch_positions() const {
  core::Positions positions;
  for (std::size_t p = 0; p < spans_.size(); ++p) {
    if (spans_[p].next >= 0) {
      positions.push_back({options_.topic, core::Partition{static_cast<std::int32_t>(p)},
                           core::Offset{spans_[p].next}});
    }
  }
  return positions;
}

void TransferSink::clear_batch() {
  row_count_ = 0;
  pending_messages_ = 0;
  pending_dead_letters_ = 0;
  for (auto& span : spans_) span = PartitionSpan{};
}

core::Result<bool> TransferSink::flush(const core::StopSignal* stop, bool single_attempt) {
  if (!has_pending()) return true;
  if (pending_dead_letters_ > 0) {
    // The dead letters of this batch must be in Kafka before its offsets are stored.
    if (auto flushed = dlq_producer_.flush(options_.dead_letter_flush_timeout); !flushed.ok()) {
      return core::Error{flushed.error().code,
                         "dead letters not acknowledged by Kafka, so the batch's offsets are not "
                         "stored: " + flushed.error().message};
    }
    if (pending_dead_letters_ > kDeadLetterLogsPerBatch) {
      spdlog::warn("{} messages of this batch sent to {} ({} not logged one by one)",
                   pending_dead_letters_, dead_letters_.topic(),
                   pending_dead_letters_ - kDeadLetterLogsPerBatch);
    }
  }
  core::Positions positions = batch_positions();
  std::span<const core::Transfer> rows(rows_.data(), row_count_);
  for (std::uint32_t attempt = 1;; ++attempt) {
    auto written = store_.write(rows, positions);
    if (written.ok()) {
      probe_.stored.add(*written);
      probe_.duplicates.add(row_count_ - *written);
      probe_.batches.add();
      auto level = options_.log_batches ? spdlog::level::info : spdlog::level::debug;
      if (row_count_ == *written) {
        spdlog::log(level, "Loaded {} records to {}", row_count_, store_.table_name());
      } else {
        spdlog::log(level, "Loaded {} records to {} ({} duplicates ignored)", *written,
                    store_.table_name(), row_count_ - *written);
      }
      if (consumer_) {
        if (auto committed = consumer_->commit(positions, true); !committed.ok()) {
          spdlog::warn("committing offsets to Kafka (they are safe in the database): {}",
                       committed.error().message);
        }
      }
      clear_batch();
      return true;
    }
    if (!is_unavailable(written.error())) return std::move(written).error();
    if (single_attempt) return false;
    probe_.write_retries.add();
    auto delay = options_.retry.delay(attempt, rng_);
    spdlog::warn("{}; keeping {} records, retrying in {} ms (attempt {})",
                 written.error().message, pending_messages_, delay.count(), attempt);
    if (stop != nullptr && !stop->wait_for(delay)) return false;
    if (auto reconnected = store_.connect(); !reconnected.ok()) {
      if (!is_unavailable(reconnected.error())) return std::move(reconnected).error();
    }
  }
}

core::Positions TransferSink::on_assigned(const kafka::TopicPartitions& partitions) {
  std::vector<core::Partition> ours;
  for (const auto& tp : partitions) {
    if (tp.topic == options_.topic) ours.push_back(tp.partition);
  }
  if (ours.empty()) return {};
  // A few quick attempts: if the database is away, the group's committed offsets (always at
  // or behind the stored ones, since they are committed after the database) are a safe start.
  for (std::uint32_t attempt = 1; attempt <= 3; ++attempt) {
    auto stored = store_.load_positions(options_.topic, ours);
    if (stored.ok()) {
      for (const auto& p : *stored) {
        spdlog::info("sink: {}[{}] resumes at offset {} (stored in {})", p.topic,
                     p.partition.value, p.next_offset.value, store_.table_name());
      }
      return std::move(stored).value();
    }
    spdlog::warn("sink: reading stored offsets: {}", stored.error().message);
    if (!is_unavailable(stored.error())) break;
    std::this_thread::sleep_for(options_.retry.delay(attempt, rng_));
    (void)store_.connect();
  }
  spdlog::warn("sink: starting assigned partitions from the group's committed offsets; ids "
               "already stored will be ignored");
  return {};
}

void TransferSink::on_revoked(const kafka::TopicPartitions& partitions) {
  if (!has_pending()) return;
  // Write then give up: one attempt to land the batch while we still own its partitions.
  auto flushed = flush(nullptr, true);
  if (flushed.ok() && *flushed) return;
  spdlog::warn("sink: dropping {} buffered messages on revocation; they will be read again",
               pending_messages_);
  probe_.dropped_on_revoke.add(pending_messages_);
  std::set<core::Partition> revoked;
  for (const auto& tp : partitions) {
    if (tp.topic == options_.topic) revoked.insert(tp.partition);
  }
  for (std::size_t p = 0; p < spans_.size(); ++p) {
    core::Partition partition{static_cast<std::int32_t>(p)};
    if (spans_[p].first >= 0 && !revoked.contains(partition)) {
      rewind_.push_back({options_.topic, partition});
    }
  }
  clear_batch();
}

}  // namespace tokenflow::sinks
