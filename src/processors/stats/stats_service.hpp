// StatsService: the consuming side of `tokenflow stats`. A consumer thread (run()) polls the
// swaps topic (and the transfers topic, when given) and hands batches of messages to the
// aggregator thread through a WorkQueue (the --backpressure policy); the aggregator decodes,
// de-duplicates and applies them to the partitions' states in the StatsStore, dead-letters
// what is invalid and publishes what is too late to tokenflow.late.
//
// Transfers count for their token (the contract address) at their value in USD at the
// token's registry peg (zero, and counted, when it has none). A state is one partition of
// one topic; the group uses the range assignor when it reads both topics, so that with equal
// partition counts a token's swaps and transfers partitions go to the same instance.
//
// Exactly-once state: every --checkpoint-interval, and on revocation, each owned partition's
// state is written with its next offset (CheckpointStore, atomic), after the producer has
// flushed the dead letters and late events of the messages it covers. On assignment a
// partition's checkpoint is restored and consumption resumes at its offset; a partition
// without one starts from the beginning (kStartAsNew), never from the group's committed
// offset (which has no state behind it). Offsets are also committed to Kafka, for lag tools.
// Late events and dead letters are at-least-once: a restart may publish again those of the
// messages after the last checkpoint.
//
// Lifecycle: construct, run() on one thread until it returns (stop requested, max_records,
// or a fatal error); store() and probe() may be read from any thread meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "codec/swap_decoder.hpp"
#include "codec/transfer_decoder.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "core/token_registry.hpp"
#include "kafka/consumer.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/producer.hpp"
#include "processors/stats/stats_probe.hpp"
#include "processors/stats/stats_store.hpp"
#include "processors/stats/work_queue.hpp"
#include "stream/checkpoint_store.hpp"

namespace tokenflow::processors {

struct StatsServiceOptions {
  std::string topic = "defi.swaps";
  std::string transfers_topic;  // empty: swaps only
  // Decimals and pegs of the transfers' tokens; required with a transfers topic.
  const core::TokenRegistry* registry = nullptr;
  std::string late_topic = "tokenflow.late";
  std::string state_dir = "tokenflow-stats-state";
  std::chrono::milliseconds checkpoint_interval{5000};
  Backpressure backpressure = Backpressure::block;
  std::size_t queue_messages = 65'536;  // the bound for block and drop
  std::uint64_t max_records = 0;        // stop after this many messages; 0: never
};

class StatsService final : public kafka::RebalanceListener {
 public:
  StatsService(StatsServiceOptions options, kafka::ClientConfig client,
               kafka::ConsumerOptions consumer_options, StatsStore& store,
               kafka::Producer& producer);
  ~StatsService() override;

  core::Result<void> run(const core::StopSignal& stop);

  const StatsProbe& probe() const noexcept { return probe_; }
  const kafka::DeadLetterPublisher& dead_letters() const noexcept { return dead_letters_; }
  const kafka::DeadLetterPublisher& late() const noexcept { return late_; }
  // True once the first assignment's partitions are restored (/readyz).
  bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
  const kafka::ConsumerProbe* consumer_probe() const noexcept {
    return consumer_probe_.load(std::memory_order_acquire);
  }

  // RebalanceListener (consumer thread)
  core::Positions on_assigned(const kafka::TopicPartitions& partitions) override;
  void on_revoked(const kafka::TopicPartitions& partitions) override;
  void on_lost(const kafka::TopicPartitions& partitions) override;

 private:
  // What travels from the consumer thread to the aggregator, in order.
  struct Install {
    std::vector<std::pair<StateKey, std::unique_ptr<stream::PartitionState>>> states;
  };
  struct Checkpoint {
    std::vector<StateKey> partitions;  // empty: every owned partition
    bool remove = false;          // revocation: drop the states once written
    bool write = true;            // false for lost partitions: drop without writing
    std::shared_ptr<std::promise<core::Positions>> done;
  };
  struct Skipped {  // messages dropped by backpressure: only their offsets move on
    std::vector<std::pair<StateKey, std::int64_t>> next_offsets;
  };
  using Work = std::variant<std::vector<kafka::Message>, Install, Checkpoint, Skipped>;

  // The input a topic is (nullopt: neither of ours), and back.
  std::optional<Input> input_of(std::string_view topic) const;
  const std::string& topic_of(Input input) const;
  std::vector<StateKey> keys_of(const kafka::TopicPartitions& partitions) const;

  void aggregate_loop();
  void apply_batch(std::vector<kafka::Message>& batch);
  void apply_swap(const kafka::Message& message, stream::PartitionState& state,
                  core::UnixMillis wall);
  void apply_transfer(const kafka::Message& message, stream::PartitionState& state,
                      core::UnixMillis wall);
  // False, after dead-lettering the message, when the event is further ahead of the wall
  // clock than --max-skew (its bucket would be in the future).
  bool within_skew(const kafka::Message& message, Input input, std::string_view kind,
                   const core::EventId& id, core::UnixMillis timestamp, core::UnixMillis wall);
  // Counts what became of one event (`kind` and `id` name it: "swap 0x..") and publishes it
  // to the late topic when it is too late.
  void record(stream::Applied fate, const kafka::Message& message, Input input,
              const stream::PartitionState& state, std::string_view kind,
              const core::EventId& id, core::UnixMillis timestamp);
  // `kind`: the reason's short name, counted per kind (codec::reason_kind for decode errors).
  void dead_letter(const kafka::Message& message, Input input, std::string_view kind,
                   const std::string& reason);
  core::Positions checkpoint(const Checkpoint& command);
  void submit(std::vector<kafka::Message> batch);
  // Waits for a checkpoint command to be done (revocation, shutdown).
  core::Positions checkpoint_now(std::vector<StateKey> partitions, bool remove, bool write);
  void commit_finished_checkpoint();
  void update_lag();
  // Keeps the first error that stops the service (run() returns it, and the caller reports
  // it); any later one is logged here, as it would otherwise go unseen.
  void note_fatal(core::Error error);

  StatsServiceOptions options_;
  kafka::ClientConfig client_;
  kafka::ConsumerOptions consumer_options_;
  StatsStore& store_;
  kafka::Producer& producer_;
  kafka::DeadLetterPublisher dead_letters_;
  kafka::DeadLetterPublisher late_;
  stream::CheckpointStore checkpoints_;
  WorkQueue<Work> queue_;
  StatsProbe probe_;
  std::atomic<bool> ready_{false};
  std::atomic<const kafka::ConsumerProbe*> consumer_probe_{nullptr};

  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread aggregator_;
  std::atomic<bool> stopping_{false};
  std::optional<core::Error> fatal_;                        // consumer thread
  std::shared_ptr<std::promise<core::Positions>> pending_;  // periodic checkpoint in flight
  std::future<core::Positions> pending_result_;

  // Aggregator thread only.
  codec::SwapDecoder decoder_;
  codec::TransferDecoder transfer_decoder_;
  core::Swap swap_;
  core::Transfer transfer_;
  std::size_t dead_letters_logged_ = 0;
};

}  // namespace tokenflow::processors
