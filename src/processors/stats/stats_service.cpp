#include "processors/stats/stats_service.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "codec/errc.hpp"
#include "core/duration.hpp"
#include "core/usd.hpp"
#include "kafka/topic_partition.hpp"
#include "stream/fingerprint.hpp"
#include "stream/stream_clock.hpp"

namespace tokenflow::processors {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxBatch = 1024;
constexpr milliseconds kIdlePoll{100};
constexpr std::size_t kDeadLetterLogs = 20;  // logged one by one, then only counted

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

StatsService::StatsService(StatsServiceOptions options, kafka::ClientConfig client,
                           kafka::ConsumerOptions consumer_options, StatsStore& store,
                           kafka::Producer& producer)
    : options_(std::move(options)),
      client_(std::move(client)),
      consumer_options_(std::move(consumer_options)),
      store_(store),
      producer_(producer),
      dead_letters_(producer, kafka::DeadLetterOptions{.group = consumer_options_.group_id}),
      late_(producer, kafka::DeadLetterOptions{.topic = options_.late_topic,
                                               .log_each = false,
                                               .group = consumer_options_.group_id}),
      checkpoints_(options_.state_dir),
      queue_(options_.queue_messages, options_.backpressure) {
  consumer_options_.topics = {options_.topic};
  if (!options_.transfers_topic.empty()) {
    if (options_.registry == nullptr) {
      throw std::invalid_argument("StatsService: a transfers topic needs a token registry");
    }
    consumer_options_.topics.push_back(options_.transfers_topic);
    // Range gives equal partition numbers of both topics to one member (when the counts are
    // equal), so an instance owns both halves of its tokens; cooperative-sticky would not.
    consumer_options_.partition_assignment_strategy = "range";
  }
}

std::optional<Input> StatsService::input_of(std::string_view topic) const {
  if (topic == options_.topic) return Input::swaps;
  if (!options_.transfers_topic.empty() && topic == options_.transfers_topic) {
    return Input::transfers;
  }
  return std::nullopt;
}

const std::string& StatsService::topic_of(Input input) const {
  return input == Input::swaps ? options_.topic : options_.transfers_topic;
}

std::vector<StateKey> StatsService::keys_of(const kafka::TopicPartitions& partitions) const {
  std::vector<StateKey> keys;
  for (const auto& tp : partitions) {
    if (auto input = input_of(tp.topic)) keys.push_back({*input, tp.partition.value});
  }
  return keys;
}

StatsService::~StatsService() {
  if (consumer_) (void)consumer_->close();
  stopping_.store(true);
  if (aggregator_.joinable()) aggregator_.join();
}

core::Result<void> StatsService::run(const core::StopSignal& stop) {
  if (auto opened = checkpoints_.open(); !opened.ok()) return opened;
  aggregator_ = std::thread([this] { aggregate_loop(); });
  auto consumer = kafka::Consumer::create(client_, consumer_options_, this);
  if (!consumer.ok()) {
    stopping_.store(true);
    aggregator_.join();
    return std::move(consumer).error();
  }
  consumer_ = std::move(consumer).value();
  consumer_probe_.store(&consumer_->probe(), std::memory_order_release);
  spdlog::info("stats: consuming {}{}{} as group '{}', state in {}, checkpoint every {}",
               options_.topic, options_.transfers_topic.empty() ? "" : " and ",
               options_.transfers_topic, consumer_options_.group_id, options_.state_dir,
               core::format_duration(options_.checkpoint_interval));

  auto next_checkpoint = Clock::now() + options_.checkpoint_interval;
  auto next_lag = Clock::now();
  std::vector<kafka::Message> batch;
  while (!stop.requested() && !fatal_) {
    if (auto fatal = consumer_->fatal_error()) {
      fatal_ = *fatal;
      break;
    }
    if (options_.max_records != 0 && probe_.consumed.get() >= options_.max_records) break;
    commit_finished_checkpoint();
    const auto now = Clock::now();
    if (now >= next_checkpoint && !pending_) {
      pending_ = std::make_shared<std::promise<core::Positions>>();
      pending_result_ = pending_->get_future();
      queue_.push(Checkpoint{{}, false, true, pending_}, 0);
      next_checkpoint = now + options_.checkpoint_interval;
    }
    if (now >= next_lag) {
      update_lag();
      next_lag = now + std::chrono::seconds(1);
    }
    auto message = consumer_->poll(kIdlePoll);
    while (message) {
      if (!message->is_error()) batch.push_back(std::move(*message));
      if (batch.size() >= kMaxBatch ||
          (options_.max_records != 0 &&
           probe_.consumed.get() + batch.size() >= options_.max_records)) {
        break;
      }
      message = consumer_->poll(milliseconds(0));
    }
    if (!batch.empty()) submit(std::exchange(batch, {}));
  }
  // Leaving the group revokes every partition: on_revoked writes the final checkpoints.
  if (auto closed = consumer_->close(); !closed.ok()) {
    spdlog::warn("stats: leaving the consumer group: {}", closed.error().message);
  }
  stopping_.store(true);
  aggregator_.join();
  spdlog::info(
      "stats: stopped after {} messages: {} applied, {} duplicates, {} too late, {} dead "
      "letters, {} dropped by backpressure",
      probe_.consumed.get(), probe_.applied.get(), probe_.duplicates.get(),
      probe_.too_late.get(), probe_.dead_letters.get(), probe_.dropped.get());
  if (fatal_) return *fatal_;
  return core::success();
}

void StatsService::submit(std::vector<kafka::Message> batch) {
  probe_.consumed.add(batch.size());
  const std::size_t weight = batch.size();
  // The offsets the batch covers, in case backpressure drops it.
  std::vector<std::pair<StateKey, std::int64_t>> next_offsets;
  if (options_.backpressure == Backpressure::drop) {
    for (const auto& m : batch) {
      const auto input = input_of(m.topic());
      if (!input) continue;
      const StateKey key{*input, m.partition().value};
      auto it = std::find_if(next_offsets.begin(), next_offsets.end(),
                             [&](const auto& e) { return e.first == key; });
      if (it == next_offsets.end()) {
        next_offsets.emplace_back(key, m.offset().value + 1);
      } else {
        it->second = std::max(it->second, m.offset().value + 1);
      }
    }
  }
  switch (queue_.push(std::move(batch), weight)) {
    case Pushed::queued:
      break;
    case Pushed::waited:
      probe_.blocked.add();
      break;
    case Pushed::dropped:
      probe_.dropped.add(weight);
      queue_.push(Skipped{std::move(next_offsets)}, 0);
      break;
  }
  probe_.queued.set(static_cast<std::int64_t>(queue_.weight()));
}

void StatsService::commit_finished_checkpoint() {
  if (!pending_ ||
      pending_result_.wait_for(milliseconds(0)) != std::future_status::ready) {
    return;
  }
  core::Positions positions = pending_result_.get();
  pending_.reset();
  if (positions.empty()) return;
  // For lag tools only: the checkpoints are what a restart resumes from.
  if (auto committed = consumer_->commit(positions, true); !committed.ok()) {
    spdlog::debug("stats: committing offsets to Kafka: {}", committed.error().message);
  }
}

void StatsService::update_lag() {
  auto assigned = consumer_->assignment();
  if (!assigned.ok() || assigned->empty()) {
    probe_.lag.set(0);
    return;
  }
  auto list = kafka::to_partition_list(*assigned);
  rd_kafka_position(consumer_->native_handle(), list.get());
  std::int64_t lag = 0;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& tp = list->elems[i];
    std::int64_t low = 0, high = 0;
    if (tp.offset < 0 || rd_kafka_get_watermark_offsets(consumer_->native_handle(), tp.topic,
                                                        tp.partition, &low, &high) !=
                             RD_KAFKA_RESP_ERR_NO_ERROR) {
      continue;
    }
    if (high > tp.offset) lag += high - tp.offset;
  }
  probe_.lag.set(lag + static_cast<std::int64_t>(queue_.weight()));
}

core::Positions StatsService::checkpoint_now(std::vector<StateKey> partitions, bool remove,
                                             bool write) {
  auto done = std::make_shared<std::promise<core::Positions>>();
  auto result = done->get_future();
  queue_.push(Checkpoint{std::move(partitions), remove, write, done}, 0);
  return result.get();
}

core::Positions StatsService::on_assigned(const kafka::TopicPartitions& partitions) {
  core::Positions start;
  Install install;
  for (const auto& tp : partitions) {
    const auto input = input_of(tp.topic);
    if (!input) continue;
    auto state = std::make_unique<stream::PartitionState>(store_.settings().windows,
                                                          store_.settings().dedup_ttl);
    auto saved = checkpoints_.read(tp.topic, tp.partition);
    if (!saved.ok()) {
      note_fatal(saved.error());
      continue;
    }
    std::int64_t offset = kafka::RebalanceListener::kStartAsNew;
    if (saved->has_value()) {
      if (!state->load(**saved)) {
        auto error = core::Error{
            std::make_error_code(std::errc::invalid_argument),
            "checkpoint " + checkpoints_.path_of(tp.topic, tp.partition) +
                " was written with another BUCKET_STEP or format; move it away to rebuild "
                "the partition's state from the topic"};
        note_fatal(std::move(error));
        continue;
      }
      offset = state->next_offset();
      spdlog::info("stats: {}[{}] resumes at offset {} (checkpoint: {} tokens)", tp.topic,
                   tp.partition.value, offset, state->token_count());
    } else if (auto replayed = checkpoints_.read_start(tp.topic, tp.partition); !replayed.ok()) {
      note_fatal(replayed.error());
      continue;
    } else if (replayed->has_value()) {
      offset = (*replayed)->value;
      state->set_next_offset(offset);
      spdlog::info(
          "stats: {}[{}] has no checkpoint; reading it from offset {} with an empty state (set "
          "by tokenflow replay): its figures are rebuilt from there",
          tp.topic, tp.partition.value, offset);
    } else {
      spdlog::info("stats: {}[{}] has no checkpoint; reading it from the beginning", tp.topic,
                   tp.partition.value);
    }
    start.push_back({tp.topic, tp.partition, core::Offset{offset}});
    install.states.emplace_back(StateKey{*input, tp.partition.value}, std::move(state));
  }
  queue_.push(std::move(install), 0);
  return start;
}

void StatsService::on_revoked(const kafka::TopicPartitions& partitions) {
  std::vector<StateKey> ours = keys_of(partitions);
  if (ours.empty()) return;
  // Everything read from them is applied first (the queue is in order), then written: the
  // next owner resumes exactly here.
  (void)checkpoint_now(std::move(ours), true, true);
}

void StatsService::on_lost(const kafka::TopicPartitions& partitions) {
  std::vector<StateKey> ours = keys_of(partitions);
  if (ours.empty()) return;
  // Another instance may own them already: writing would overwrite its checkpoints.
  spdlog::warn("stats: {} partitions lost (session timed out); their state is dropped",
               ours.size());
  (void)checkpoint_now(std::move(ours), true, false);
}

void StatsService::aggregate_loop() {
  for (;;) {
    auto work = queue_.pop(kIdlePoll);
    if (!work) {
      if (stopping_.load()) return;
      continue;
    }
    std::visit(Overloaded{
                   [&](std::vector<kafka::Message>& batch) { apply_batch(batch); },
                   [&](Install& install) {
                     {
                       auto lock = store_.update();
                       for (auto& [key, state] : install.states) {
                         store_.install(key, std::move(state));
                       }
                       probe_.partitions.set(static_cast<std::int64_t>(store_.owned().size()));
                     }
                     store_.bump_version();
                     ready_.store(true, std::memory_order_release);
                   },
                   [&](Checkpoint& command) { command.done->set_value(checkpoint(command)); },
                   [&](Skipped& skipped) {
                     auto lock = store_.update();
                     for (const auto& [key, next] : skipped.next_offsets) {
                       if (auto* state = store_.partition(key)) state->set_next_offset(next);
                     }
                   },
               },
               *work);
  }
}

void StatsService::apply_batch(std::vector<kafka::Message>& batch) {
  const core::UnixMillis wall = core::now_millis();
  {
    auto lock = store_.update();
    // Messages come in runs of one partition: look its state up once per run.
    std::optional<StateKey> last;
    stream::PartitionState* state = nullptr;
    for (const auto& message : batch) {
      const auto input = input_of(message.topic());
      if (!input) continue;
      const StateKey key{*input, message.partition().value};
      if (key != last) {
        state = store_.partition(key);
        last = key;
      }
      if (state == nullptr) {
        // Not ours (any more): the assignment moved while it was queued. Its owner reads it.
        continue;
      }
      if (*input == Input::swaps) {
        apply_swap(message, *state, wall);
      } else {
        apply_transfer(message, *state, wall);
      }
      state->set_next_offset(message.offset().value + 1);
    }
  }
  store_.bump_version();
  producer_.poll();
  probe_.queued.set(static_cast<std::int64_t>(queue_.weight()));
}

void StatsService::apply_swap(const kafka::Message& message, stream::PartitionState& state,
                              core::UnixMillis wall) {
  if (auto decoded = decoder_.decode(message.payload(), swap_); !decoded.ok()) {
    return dead_letter(message, Input::swaps, codec::reason_kind(decoded.error()),
                       decoded.error().message);
  }
  if (!within_skew(message, Input::swaps, "swap", swap_.id, swap_.timestamp, wall)) return;
  if (decoder_.rounded()) probe_.rounded.add();
  const std::size_t tokens_before = state.token_count();
  const auto fate = state.apply(swap_, stream::fingerprint(swap_.id.value));
  if (state.token_count() > tokens_before) {
    store_.note_token({Input::swaps, message.partition().value}, swap_.token);
  }
  record(fate, message, Input::swaps, state, "swap", swap_.id, swap_.timestamp);
}

void StatsService::apply_transfer(const kafka::Message& message, stream::PartitionState& state,
                                  core::UnixMillis wall) {
  if (auto decoded = transfer_decoder_.decode(message.payload(), transfer_); !decoded.ok()) {
    return dead_letter(message, Input::transfers, codec::reason_kind(decoded.error()),
                       decoded.error().message);
  }
  if (!within_skew(message, Input::transfers, "transfer", transfer_.id, transfer_.timestamp,
                   wall)) {
    return;
  }
  const core::TokenInfo* token = options_.registry->find(
      transfer_.contract_address, transfer_.chain_id.value_or(core::kEthereumMainnet));
  core::UsdMicros usd{0};
  const bool priced = token != nullptr && token->peg_usd_micros.has_value();
  if (priced) {
    switch (core::usd_of_base_units(transfer_.value, token->decimals,
                                    core::UsdMicros{*token->peg_usd_micros}, usd)) {
      case core::UsdParse::ok:
        break;
      case core::UsdParse::rounded:
        probe_.rounded.add();
        break;
      case core::UsdParse::invalid:
      case core::UsdParse::out_of_range:
        return dead_letter(message, Input::transfers, "out_of_range",
                           "transfer " + transfer_.id.value + ": " + transfer_.value.to_decimal() +
                               " base units of " + token->symbol + " at its peg of " +
                               core::to_string(core::UsdMicros{*token->peg_usd_micros}) +
                               " USD are worth more than 10^12 USD, the most one event may "
                               "carry");
    }
  }
  const std::size_t tokens_before = state.token_count();
  const auto fate = state.apply(transfer_, usd, stream::fingerprint(transfer_.id.value));
  if (state.token_count() > tokens_before) {
    store_.note_token({Input::transfers, message.partition().value}, transfer_.contract_address);
  }
  if (fate == stream::Applied::added && !priced) probe_.unpriced.add();
  record(fate, message, Input::transfers, state, "transfer", transfer_.id, transfer_.timestamp);
}

bool StatsService::within_skew(const kafka::Message& message, Input input, std::string_view kind,
                               const core::EventId& id, core::UnixMillis timestamp,
                               core::UnixMillis wall) {
  const auto max_skew = store_.settings().max_skew;
  if (!stream::too_far_ahead(timestamp, wall, max_skew)) return true;
  dead_letter(message, input, "ahead_of_clock",
              std::string(kind) + " " + id.value + ": timestamp " + core::to_iso8601(timestamp) +
                  " is ahead of the wall clock by more than --max-skew " +
                  core::format_duration(max_skew));
  return false;
}

void StatsService::record(stream::Applied fate, const kafka::Message& message, Input input,
                          const stream::PartitionState& state, std::string_view kind,
                          const core::EventId& id, core::UnixMillis timestamp) {
  switch (fate) {
    case stream::Applied::added:
      probe_.applied.add();
      return;
    case stream::Applied::duplicate:
      probe_.duplicates.add();
      return;
    case stream::Applied::too_late: {
      probe_.too_late.add();
      const auto& largest = store_.settings().windows.largest();
      const std::string reason = std::string(kind) + " " + id.value + " at " +
                                 core::to_iso8601(timestamp) + " is older than the " +
                                 largest.name + " window as of " + core::to_iso8601(state.clock());
      if (probe_.too_late.get() <= kDeadLetterLogs) {
        spdlog::warn("{}: {}; sent to {}", message.describe(), reason, late_.topic());
      }
      (void)late_.publish(message.payload(), message.key(), topic_of(input), message.partition(),
                          message.offset(), "too_late", reason);
      return;
    }
    case stream::Applied::overflow:
      dead_letter(message, input, "out_of_range",
                  std::string(kind) + " " + id.value +
                      ": the token's volume in its bucket would exceed 2^64 micro-USD");
      return;
  }
}

void StatsService::dead_letter(const kafka::Message& message, Input input,
                               std::string_view kind, const std::string& reason) {
  probe_.dead_letters.add();
  (void)dead_letters_.publish(message.payload(), message.key(), topic_of(input),
                              message.partition(), message.offset(), kind, reason);
}

core::Positions StatsService::checkpoint(const Checkpoint& command) {
  std::vector<StateKey> partitions = command.partitions;
  if (partitions.empty()) partitions = store_.owned();  // the only writer: no lock needed
  core::Positions positions;
  bool written = command.write;
  if (written) {
    // The dead letters and late events of the messages a checkpoint covers must be in Kafka
    // before the checkpoint says those messages are done.
    const std::uint64_t failed_before = producer_.probe().failed.get();
    if (auto flushed = producer_.flush(std::chrono::seconds(30));
        !flushed.ok() || producer_.probe().failed.get() != failed_before) {
      spdlog::error("stats: dead letters or late events not acknowledged by Kafka ({}); the "
                    "checkpoint is not written, so a restart reads those messages again",
                    flushed.ok() ? "delivery failed" : flushed.error().message);
      probe_.checkpoint_failures.add();
      written = false;
    }
  }
  for (const StateKey& key : partitions) {
    std::string bytes;
    std::int64_t next_offset = 0;
    {
      auto lock = store_.update();
      stream::PartitionState* state = store_.partition(key);
      if (state == nullptr) continue;
      if (written) {
        state->evict([&](const core::Address& token) { store_.forget_token(key, token); });
        state->save(bytes);
        next_offset = state->next_offset();
      }
      if (command.remove) (void)store_.remove(key);
    }
    if (!written) continue;
    const std::string& topic = topic_of(key.input);
    auto saved = checkpoints_.write(topic, core::Partition{key.partition}, bytes);
    if (!saved.ok()) {
      spdlog::error("stats: {}", saved.error().message);
      probe_.checkpoint_failures.add();
      continue;
    }
    probe_.checkpoints.add();
    positions.push_back({topic, core::Partition{key.partition}, core::Offset{next_offset}});
  }
  if (written) probe_.last_checkpoint_ms.set(core::now_millis().value);
  probe_.partitions.set(static_cast<std::int64_t>(store_.owned().size()));
  probe_.tokens.set(static_cast<std::int64_t>(store_.token_count()));
  if (command.remove) store_.bump_version();
  return positions;
}

void StatsService::note_fatal(core::Error error) {
  if (fatal_) {
    spdlog::error("stats: {}", error.message);
    return;
  }
  fatal_ = std::move(error);
}

}  // namespace tokenflow::processors
