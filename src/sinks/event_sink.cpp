#include "sinks/event_sink.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "codec/errc.hpp"
#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A flood of bad messages is logged in full for the first few of each batch, then summed up.
constexpr std::size_t kDeadLetterLogsPerBatch = 5;
// How long the loop waits in one poll() when nothing is due sooner.
constexpr milliseconds kIdlePoll{100};
// While a batch waits for a writer (it timed out but is not full), the loop keeps reading
// into it and looks for an idle writer this often.
constexpr milliseconds kWriterCheck{2};

bool is_unavailable(const core::Error& error) { return error.code == errc::unavailable; }

bool is_retryable(const core::Error& error) {
  return error.code == errc::unavailable || error.code == errc::rewind ||
         error.code == errc::aborted;
}

}  // namespace

template <class Events>
EventSink<Events>::EventSink(SinkOptions options, kafka::ClientConfig client,
                           kafka::ConsumerOptions consumer_options, StoreFactory make_store,
                           kafka::Producer& dead_letter_producer)
    : options_(std::move(options)),
      client_(std::move(client)),
      consumer_options_(std::move(consumer_options)),
      make_store_(std::move(make_store)),
      dlq_producer_(dead_letter_producer),
      // The sink logs its dead letters itself, a few per batch and then a count.
      dead_letters_(dead_letter_producer,
                    kafka::DeadLetterOptions{.log_each = false, .group = consumer_options_.group_id}) {
  if (consumer_options_.topics.empty()) consumer_options_.topics = {options_.topic};
  options_.batch_size = std::max<std::size_t>(options_.batch_size, 1);
  options_.writers = std::max<std::size_t>(options_.writers, 1);
  filling_ = fresh_batch();
  dead_letters_failed_ = dlq_producer_.probe().failed.get();
  // Room for every row that can be uncommitted at once: no rehash while running.
  if (options_.writers > 1) uncommitted_ids_.reserve(options_.batch_size * (options_.writers + 1));
}

template <class Events>
EventSink<Events>::~EventSink() {
  if (consumer_) (void)consumer_->close();
  writers_.reset();  // joins the writer threads (idle once run() has returned)
}

template <class Events>
auto EventSink<Events>::fresh_batch() -> std::unique_ptr<Batch> {
  if (!spare_.empty()) {
    auto batch = std::move(spare_.back());
    spare_.pop_back();
    return batch;
  }
  auto batch = std::make_unique<Batch>();
  // Never reallocated while filled (uncommitted_ids_ points into the rows' id strings);
  // reserved, not constructed, so a huge --batch-size costs only what it uses.
  batch->rows.reserve(options_.batch_size + 1);
  return batch;
}

template <class Events>
core::Result<void> EventSink<Events>::connect_store(Store& store, const core::StopSignal& stop) {
  for (std::uint32_t attempt = 1;; ++attempt) {
    auto connected = store.connect();
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

template <class Events>
core::Result<void> EventSink<Events>::run(const core::StopSignal& stop) {
  positions_store_ = make_store_();
  if (auto connected = connect_store(*positions_store_, stop); !connected.ok()) return connected;
  std::vector<std::unique_ptr<Store>> stores;
  for (std::size_t i = 0; i < options_.writers; ++i) {
    stores.push_back(make_store_());
    if (auto connected = connect_store(*stores.back(), stop); !connected.ok()) return connected;
  }
  writers_ =
      std::make_unique<Writers>(std::move(stores), options_.topic, options_.commit_patience);

  auto consumer = kafka::Consumer::create(client_, consumer_options_, this);
  if (!consumer.ok()) return std::move(consumer).error();
  consumer_ = std::move(consumer).value();
  consumer_probe_.store(&consumer_->probe(), std::memory_order_release);
  spdlog::info("sink: consuming {} as group '{}' into {} (batch {} rows or {} ms, {} writer{})",
               options_.topic, consumer_options_.group_id, positions_store_->table_name(),
               options_.batch_size, options_.batch_timeout.count(), options_.writers,
               options_.writers == 1 ? "" : "s");

  bool drained = false;  // the last poll() found nothing waiting
  while (!stop.requested() && !fatal_) {
    handle(writers_->collect());
    if (fatal_) break;
    if (needs_resume_) {
      auto resumed = resume_from_stored(stop);
      if (!resumed.ok()) {
        fatal_ = std::move(resumed).error();
        break;
      }
      if (!*resumed) break;  // stop requested while the database was away
      continue;
    }
    if (auto fatal = consumer_->fatal_error()) {
      fatal_ = *fatal;
      break;
    }
    if (options_.max_records != 0 && consumed_once() >= options_.max_records) break;

    const auto now = Clock::now();
    milliseconds wait = kIdlePoll;
    // Due when full, when old enough, or when nothing more is waiting in Kafka: a writer
    // that is idle then takes what there is, so latency at low rates is one write, and
    // batches grow by themselves when the writers are busy.
    const bool caught_up = drained && !filling_->empty();
    if (batch_full() || batch_timed_out(now) || caught_up) {
      if (writers_->has_idle()) {
        dispatch();
        continue;
      }
      if (batch_full()) {
        // Backpressure: every writer is busy and the batch is full; read on once one is free.
        handle(writers_->collect(kIdlePoll));
        continue;
      }
      wait = kWriterCheck;
    } else if (!filling_->empty() && writers_->has_idle()) {
      // A writer is idle: take only what Kafka already delivered, so that the batch goes as
      // soon as nothing more is waiting (a blocking poll would hold it for the next fetch,
      // up to the batch timeout, in a steady stream: that was the sink's added p50).
      wait = milliseconds(0);
    } else if (!filling_->empty()) {
      auto left = std::chrono::duration_cast<milliseconds>(filling_->started +
                                                           options_.batch_timeout - now);
      wait = std::clamp(left, milliseconds(0), kIdlePoll);
    }
    auto message = consumer_->poll(wait);
    drained = !message;
    if (message && !message->is_error()) accept(*message);
  }

  if (!fatal_ && !needs_resume_) drain();  // finish what was read (SIGINT, --max-records)
  writers_->wait_idle();
  handle(writers_->collect());
  if (!filling_->empty()) discard(std::exchange(filling_, fresh_batch()));
  if (needs_resume_ && !fatal_) {
    spdlog::warn("sink: stopping with messages not stored; they will be read again on restart");
  }
  if (auto closed = consumer_->close(); !closed.ok()) {
    spdlog::warn("sink: leaving the consumer group: {}", closed.error().message);
  }
  spdlog::info(
      "sink: stopped after {} messages: {} rows stored, {} duplicates ignored, {} dead "
      "letters, {} read again after failed writes",
      probe_.consumed.get(), probe_.stored.get(), probe_.duplicates.get(),
      probe_.dead_letters.get(), probe_.reread.get());
  if (fatal_) return *fatal_;
  return core::success();
}

template <class Events>
void EventSink<Events>::note_read(std::int32_t partition, std::int64_t offset) {
  const auto p = static_cast<std::size_t>(partition);
  if (p >= first_read_.size()) first_read_.resize(p + 1, -1);
  if (first_read_[p] < 0) first_read_[p] = offset;
}

template <class Events>
bool EventSink<Events>::wait_serving_the_group(milliseconds delay, const core::StopSignal& stop) {
  // Polling keeps the group's rebalances moving (and this member in the group) while the
  // database is away; what arrives meanwhile is dropped: the seek that follows reads it
  // again.
  const auto until = Clock::now() + delay;
  while (!stop.requested()) {
    const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
    if (left <= milliseconds(0)) return true;
    if (auto message = consumer_->poll(std::min(left, kIdlePoll))) {
      if (message->is_error()) continue;
      note_read(message->partition().value, message->offset().value);
      probe_.reread.add();
    }
  }
  return false;
}

template <class Events>
void EventSink<Events>::accept(const kafka::Message& message) {
  const auto partition = message.partition().value;
  const auto offset = message.offset().value;
  note_read(partition, offset);
  filling_->note_message(partition, offset);
  probe_.consumed.add();

  Row& row = filling_->next_row();
  auto decoded = Events::decode(decoder_, message.payload(), row);
  if (decoded.ok()) {
    if (options_.writers > 1 && !uncommitted_ids_.insert(Events::id_of(row)).second) {
      ++filling_->repeats;  // an earlier uncommitted row has this id: it stores it
      return;
    }
    filling_->commit_row();
    return;
  }
  const auto& reason = decoded.error().message;
  if (dead_letters_logged_ < kDeadLetterLogsPerBatch) {
    ++dead_letters_logged_;
    spdlog::warn("{}[{}]@{}: {}; sent to {}", message.topic(), partition, offset, reason,
                 dead_letters_.topic());
  }
  ++filling_->dead_letters;
  auto published =
      dead_letters_.publish(message.payload(), message.key(), std::string(message.topic()),
                            message.partition(), message.offset(),
                            codec::reason_kind(decoded.error()), reason);
  if (!published.ok()) {
    // Not accepted by the producer: the batch must not store offsets past this message.
    spdlog::error("{}[{}]@{}: cannot publish dead letter: {}", message.topic(), partition, offset,
                  published.error().message);
    needs_resume_ = true;
  }
  probe_.dead_letters.add();
}

template <class Events>
bool EventSink<Events>::batch_full() const {
  return filling_->messages >= options_.batch_size ||
         (options_.max_records != 0 && consumed_once() >= options_.max_records &&
          !filling_->empty());
}

template <class Events>
bool EventSink<Events>::batch_timed_out(Clock::time_point now) const {
  return !filling_->empty() && now - filling_->started >= options_.batch_timeout;
}

template <class Events>
void EventSink<Events>::dispatch() {
  if (filling_->empty()) return;
  if (filling_->dead_letters > 0) {
    // The batch's dead letters must be in Kafka before its offsets can be stored.
    if (auto flushed = dlq_producer_.flush(options_.dead_letter_flush_timeout); !flushed.ok()) {
      spdlog::error("sink: dead letters not acknowledged by Kafka ({}); the batch is read again",
                    flushed.error().message);
      needs_resume_ = true;
      return;
    }
    // flush() succeeds once every dead letter has a delivery report, failed or not.
    const std::uint64_t failed = dlq_producer_.probe().failed.get();
    if (failed != dead_letters_failed_) {
      spdlog::error(
          "sink: Kafka refused {} dead letters (see the producer's log); the batch is "
          "read again and its offsets are not stored",
          failed - dead_letters_failed_);
      dead_letters_failed_ = failed;
      needs_resume_ = true;
      return;
    }
    if (filling_->dead_letters > dead_letters_logged_) {
      spdlog::warn("{} messages of this batch sent to {} ({} not logged one by one)",
                   filling_->dead_letters, dead_letters_.topic(),
                   filling_->dead_letters - dead_letters_logged_);
    }
  }
  dead_letters_logged_ = 0;
  filling_->sequence = next_sequence_++;
  writers_->submit(std::exchange(filling_, fresh_batch()));
}

template <class Events>
void EventSink<Events>::drain() {
  while (!filling_->empty() && !needs_resume_ && !fatal_) {
    if (writers_->has_idle()) {
      dispatch();
      break;
    }
    handle(writers_->collect(kIdlePoll));
  }
  writers_->wait_idle();
  handle(writers_->collect());
}

template <class Events>
void EventSink<Events>::handle(std::vector<typename Writers::Finished> finished) {
  // Committed batches first, in order, so the offsets committed to Kafka only move forward.
  std::sort(finished.begin(), finished.end(),
            [](const auto& a, const auto& b) { return a.batch->sequence < b.batch->sequence; });
  for (auto& done : finished) {
    Batch& batch = *done.batch;
    if (!done.written.ok()) {
      const core::Error& error = done.written.error();
      if (!is_retryable(error)) {
        spdlog::error("sink: {}", error.message);
        if (!fatal_) fatal_ = error;
      } else if (error.code != errc::aborted) {
        spdlog::warn("sink: {}", error.message);
      } else if (writers_->sequencer().timed_out() && !needs_resume_) {
        spdlog::warn(
            "sink: a batch waited more than {} ms for the one before it to commit (a "
            "lock held by another session, such as DDL on {}, can make concurrent "
            "batches wait for each other); rolling back and reading again",
            options_.commit_patience.count(), positions_store_->table_name());
      }
      needs_resume_ = true;
      discard(std::move(done.batch));
      continue;
    }
    failures_in_a_row_ = 0;
    const std::size_t added = *done.written;
    const std::size_t ignored = batch.row_count - added + batch.repeats;
    probe_.stored.add(added);
    probe_.duplicates.add(ignored);
    probe_.batches.add();
    probe_.batch_duration.record(
        std::chrono::duration<double, std::milli>(done.took).count());
    auto level = options_.log_batches ? spdlog::level::info : spdlog::level::debug;
    if (ignored == 0) {
      spdlog::log(level, "Loaded {} records to {}", added, positions_store_->table_name());
    } else {
      spdlog::log(level, "Loaded {} records to {} ({} duplicates ignored)", added,
                  positions_store_->table_name(), ignored);
    }
    auto positions = batch.positions(options_.topic);
    if (auto committed = consumer_->commit(positions, true); !committed.ok()) {
      spdlog::warn("committing offsets to Kafka (they are safe in the database): {}",
                   committed.error().message);
    }
    recycle(std::move(done.batch));
  }
}

template <class Events>
void EventSink<Events>::recycle(std::unique_ptr<Batch> batch) {
  if (options_.writers > 1) {
    for (const auto& row : batch->stored_rows()) uncommitted_ids_.erase(Events::id_of(row));
  }
  batch->clear();
  spare_.push_back(std::move(batch));
}

template <class Events>
void EventSink<Events>::discard(std::unique_ptr<Batch> batch) {
  probe_.reread.add(batch->messages);
  consumed_then_dropped_ += batch->messages;
  recycle(std::move(batch));
}

template <class Events>
std::vector<core::Partition> EventSink<Events>::assigned_partitions() const {
  std::vector<core::Partition> out;
  for (std::size_t p = 0; p < assigned_.size(); ++p) {
    if (assigned_[p]) out.push_back(core::Partition{static_cast<std::int32_t>(p)});
  }
  return out;
}

template <class Events>
core::Result<bool> EventSink<Events>::resume_from_stored(const core::StopSignal& stop) {
  writers_->wait_idle();
  handle(writers_->collect());
  if (fatal_) return *fatal_;
  if (!filling_->empty()) discard(std::exchange(filling_, fresh_batch()));
  dead_letters_logged_ = 0;

  std::vector<core::Partition> partitions;
  core::Positions stored;
  for (;;) {
    ++failures_in_a_row_;
    probe_.write_retries.add();
    const auto delay = options_.retry.delay(failures_in_a_row_, rng_);
    spdlog::warn(
        "sink: retrying in {} ms (attempt {}): reading again from the positions "
        "stored in {}",
        delay.count(), failures_in_a_row_, positions_store_->table_name());
    if (!wait_serving_the_group(delay, stop)) return false;
    partitions = assigned_partitions();  // a rebalance may have run meanwhile
    // Every writer reloads: a store that saw acknowledged batches vanish (asynchronous commit
    // and a server crash) refuses writes until it has read the positions again.
    core::Result<core::Positions> loaded = core::Positions{};
    for (std::size_t i = 0; i < writers_->size() && loaded.ok(); ++i) {
      Store& store = writers_->store(i);
      if (auto connected = store.connect(); !connected.ok()) {
        loaded = std::move(connected).error();
      } else if (!partitions.empty()) {
        loaded = store.load_positions(options_.topic, partitions);
      }
    }
    if (loaded.ok()) {
      stored = std::move(loaded).value();
      break;
    }
    if (!is_unavailable(loaded.error())) return std::move(loaded).error();
    spdlog::warn("sink: {}", loaded.error().message);
  }

  // Where to read again: the database's positions, else the first offset read since the
  // partition was assigned (the database kept nothing of it, whatever was committed since).
  core::Positions seek_to;
  for (const auto& partition : partitions) {
    auto it = std::find_if(stored.begin(), stored.end(),
                           [&](const auto& s) { return s.partition == partition; });
    const auto p = static_cast<std::size_t>(partition.value);
    std::int64_t offset = it != stored.end() ? it->next_offset.value : -1;
    if (offset >= 0) {
      spdlog::info("sink: {}[{}] reads again from offset {} (stored in {})", options_.topic,
                   partition.value, offset, positions_store_->table_name());
    } else if (p < first_read_.size() && first_read_[p] >= 0) {
      offset = first_read_[p];
      spdlog::info(
          "sink: {}[{}] reads again from offset {} (the first read since its assignment: {} "
          "holds no position of it)",
          options_.topic, partition.value, offset, positions_store_->table_name());
    }
    if (offset < 0) continue;  // nothing read yet: the consumer is where it started
    seek_to.push_back({options_.topic, partition, core::Offset{offset}});
  }
  if (!seek_to.empty()) {
    if (auto sought = consumer_->seek(seek_to, std::chrono::seconds(10)); !sought.ok()) {
      return core::Error{sought.error().code,
                         "cannot read again from the stored positions: " + sought.error().message};
    }
  }
  writers_->sequencer().reset(next_sequence_);
  needs_resume_ = false;
  const std::uint64_t dropped = probe_.reread.get() - reread_logged_;
  reread_logged_ = probe_.reread.get();
  spdlog::info(
      "sink: reading again from the stored positions of {} partitions ({} messages read "
      "but not stored were dropped to be read again)",
      seek_to.size(), dropped);
  return true;
}

template <class Events>
void EventSink<Events>::check_stored_within_log(const core::Positions& stored) {
  if (stored.empty()) return;
  if (!admin_) {
    auto created = kafka::Admin::create(client_, std::chrono::seconds(5));
    if (!created.ok()) {
      spdlog::warn("sink: cannot check the stored positions against the log: {}",
                   created.error().message);
      return;
    }
    admin_ = std::move(created).value();
  }
  kafka::TopicPartitions asked;
  for (const auto& p : stored) asked.push_back({p.topic, p.partition});
  auto ends = admin_->watermarks(asked);
  if (!ends.ok()) {
    // Not worth failing an assignment for: the consumer's out-of-range handling is the
    // second line.
    spdlog::warn("sink: cannot check the stored positions against the log: {}",
                 ends.error().message);
    return;
  }
  std::string beyond;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    const std::int64_t end = (*ends)[i].high.value;
    if (stored[i].next_offset.value <= end) continue;
    spdlog::error(
        "sink: {}[{}]: the position stored in {} (next offset {}) is beyond the partition's "
        "end ({}): the topic was deleted and created again, or the positions belong to another "
        "cluster. Reading on would skip the first {} messages of this log",
        stored[i].topic, stored[i].partition.value, positions_store_->table_name(),
        stored[i].next_offset.value, end, stored[i].next_offset.value - end);
    beyond += (beyond.empty() ? "" : ",") + std::to_string(stored[i].partition.value);
  }
  if (beyond.empty()) return;
  fatal_ = make_error(
      errc::rejected,
      "stored positions beyond the end of " + options_.topic + " partitions " + beyond +
          " (see the lines above). To read those partitions from their start: `tokenflow "
          "replay --group " +
          consumer_options_.group_id + " --topic " + options_.topic + ":" + beyond +
          " --to-earliest --database-url <this sink's> --execute`, or delete their rows for " +
          positions_store_->table_name() + " from the positions table");
}

template <class Events>
core::Positions EventSink<Events>::on_assigned(const kafka::TopicPartitions& partitions) {
  std::vector<core::Partition> ours;
  for (const auto& tp : partitions) {
    if (tp.topic != options_.topic) continue;
    ours.push_back(tp.partition);
    const auto p = static_cast<std::size_t>(tp.partition.value);
    if (p >= assigned_.size()) assigned_.resize(p + 1, false);
    if (p >= first_read_.size()) first_read_.resize(p + 1, -1);
    assigned_[p] = true;
    first_read_[p] = -1;
  }
  if (ours.empty()) return {};
  // A few quick attempts: if the database is away, the group's committed offsets (always at
  // or behind the stored ones, since they are committed after the database) are a safe start.
  for (std::uint32_t attempt = 1; attempt <= 3; ++attempt) {
    auto stored = positions_store_->load_positions(options_.topic, ours);
    if (stored.ok()) {
      core::Positions start = std::move(stored).value();
      for (const auto& p : start) {
        spdlog::info("sink: {}[{}] resumes at offset {} (stored in {})", p.topic, p.partition.value,
                     p.next_offset.value, positions_store_->table_name());
      }
      check_stored_within_log(start);
      // Nothing stored: not the group's committed offset, which may be ahead of what the
      // database kept (asynchronous commit and a server crash).
      for (const auto& partition : ours) {
        const bool known = std::any_of(start.begin(), start.end(),
                                       [&](const auto& p) { return p.partition == partition; });
        if (!known) {
          spdlog::info(
              "sink: {}[{}] has no position stored in {}: it starts where "
              "auto.offset.reset says",
              options_.topic, partition.value, positions_store_->table_name());
          start.push_back(
              {options_.topic, partition, core::Offset{kafka::RebalanceListener::kStartAsNew}});
        }
      }
      return start;
    }
    spdlog::warn("sink: reading stored offsets: {}", stored.error().message);
    if (!is_unavailable(stored.error())) break;
    std::this_thread::sleep_for(options_.retry.delay(attempt, rng_));
    (void)positions_store_->connect();
  }
  spdlog::warn(
      "sink: starting assigned partitions from the group's committed offsets; ids "
      "already stored will be ignored");
  return {};
}

template <class Events>
void EventSink<Events>::on_revoked(const kafka::TopicPartitions& partitions) {
  // Land what was read while the partitions are still ours; a batch that fails is read
  // again by whoever owns its partitions next (from the stored positions).
  if (writers_) drain();
  for (const auto& tp : partitions) {
    if (tp.topic != options_.topic) continue;
    const auto p = static_cast<std::size_t>(tp.partition.value);
    if (p < assigned_.size()) assigned_[p] = false;
    if (p < first_read_.size()) first_read_[p] = -1;
  }
}

template class EventSink<TransferEvents>;
template class EventSink<PriceEvents>;

}  // namespace tokenflow::sinks
