// AlertMonitor: the loop of `tokenflow alerts`. Consumes transfers (and, optionally, price
// ticks), evaluates AlertRules on each transfer and sends every alert to the outputs that
// are on: the console, the `system.alerts` topic (keyed by token) and webhooks.
//
// No duplicate alert downstream. Offsets are committed only after every alert and dead
// letter produced before them is acknowledged, so a crash replays at most the messages since
// the last commit. Their alerts have the same ids (`<event id>:<rule>`), and the monitor
// remembers the ids it published: at start and at every assignment it reads the last
// `remembered_alerts` messages of each `system.alerts` partition back, and alerts whose id is
// there are counted as redelivered instead of sent again (to any output). DESIGN.md planned
// Kafka transactions for this; librdkafka's embedded cluster does not honour them (a
// read_committed consumer sees aborted messages), so the guard is the alerts topic itself,
// which works on any Kafka-compatible cluster. A delivery that fails is not committed past:
// the monitor forgets the ids that failed and reads again from the last commit.
//
// Prices: with a prices topic, the last ticks of each of its partitions are read back at
// start (the newest per token wins), then ticks are applied as they arrive.
//
// Bad input (a transfer or price tick that does not decode) goes to the dead-letter topic
// with its reason and is counted; the monitor carries on.
//
// Lifecycle: construct, run() on one thread until the stop signal or max_records; the probes,
// statistics and histograms may be read from any thread meanwhile (/metrics).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "codec/price_tick_decoder.hpp"
#include "codec/transfer_decoder.hpp"
#include "core/position.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "core/token_registry.hpp"
#include "http/prometheus.hpp"
#include "kafka/consumer.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/producer.hpp"
#include "processors/alerts/alert.hpp"
#include "processors/alerts/alert_rules.hpp"
#include "processors/alerts/alert_statistics.hpp"
#include "processors/alerts/webhook_sender.hpp"

namespace tokenflow::processors {

struct AlertMonitorOptions {
  std::string transfers_topic = "stablecoin-transfers";
  std::string prices_topic{};  // "" = no price subscription
  std::string alerts_topic = "system.alerts";
  bool publish_alerts = true;  // to alerts_topic
  bool console = true;
  bool color = false;
  std::FILE* console_stream = stdout;
  std::uint64_t max_records = 0;  // stop after this many consumed messages; 0: never
  std::chrono::milliseconds commit_interval{500};
  std::uint64_t remembered_alerts = 10'000;  // per alerts-topic partition, read back at start
  std::chrono::milliseconds stats_interval{60'000};  // summary log lines; 0: never
  std::chrono::milliseconds flush_timeout{30'000};
  std::chrono::milliseconds recovery_timeout{30'000};  // reading the alerts topic back
  // Price ticks read back per prices partition at start, so a restart keeps the prices in
  // force instead of falling back to the pegs (the newest tick per token wins).
  std::uint64_t price_ticks_read_back = 10'000;
  // Called on the monitor's thread after each alert went to its outputs (benchmarks, embedding).
  std::function<void(const Alert&, const kafka::Message& source)> on_alert{};
};

struct AlertMonitorProbe {
  kafka::Counter consumed{"tokenflow_alerts_consumed_total",
                          "messages consumed (transfers and price ticks, valid or not)"};
  kafka::Counter transfers{"tokenflow_alerts_transfers_seen_total", "valid transfers evaluated"};
  kafka::Counter invalid{"tokenflow_alerts_invalid_total",
                         "messages that did not decode, sent to the dead-letter topic"};
  kafka::Counter alerts{"tokenflow_alerts_sent_total", "alerts sent (all rules)"};
  kafka::Counter redelivered{"tokenflow_alerts_redelivered_total",
                             "alerts not sent again because their id was already published"};
  kafka::Counter unknown_tokens{"tokenflow_alerts_unknown_token_transfers_total",
                                "transfers of tokens not in the registry"};
  kafka::Counter price_ticks{"tokenflow_alerts_price_ticks_applied_total",
                             "price ticks that changed a token's price"};
  kafka::Counter price_ticks_ignored{"tokenflow_alerts_price_ticks_ignored_total",
                                     "price ticks for assets not in the registry, or older than "
                                     "the price they would replace"};
  kafka::Counter replays{"tokenflow_alerts_replays_total",
                         "times a failed delivery made the monitor read again from its last "
                         "commit"};
  kafka::Counter commits{"tokenflow_alerts_commits_total", "offset commits"};
};

class AlertMonitor final : public kafka::RebalanceListener {
 public:
  AlertMonitor(AlertMonitorOptions options, AlertRules& rules,
               const core::TokenRegistry& registry, kafka::ClientConfig config,
               kafka::ConsumerOptions consumer_options, WebhookSender& webhooks);
  ~AlertMonitor() override;

  // Errors: the consumer or producer cannot be created; a fatal Kafka error.
  core::Result<void> run(const core::StopSignal& stop);

  const AlertMonitorProbe& probe() const noexcept { return probe_; }
  const AlertStatistics& statistics() const noexcept { return statistics_; }
  // Produce-to-alert latency (message timestamp to the alert leaving the monitor), and the
  // same for every transfer evaluated (how far behind the stream the monitor runs).
  const http::LatencyHistogram& alert_latency() const noexcept { return alert_latency_; }
  const http::LatencyHistogram& transfer_latency() const noexcept { return transfer_latency_; }
  // The whole /metrics body: this monitor's figures and its Kafka clients' probes.
  std::string metrics_text() const;
  // True once partitions are assigned and the alert ids read back.
  bool ready() const noexcept { return ready_.load(std::memory_order_relaxed); }

  core::Positions on_assigned(const kafka::TopicPartitions& partitions) override;
  void on_revoked(const kafka::TopicPartitions& partitions) override;

 private:
  void handle(const kafka::Message& message);
  void handle_transfer(const kafka::Message& message);
  void handle_price_tick(const kafka::Message& message);
  void dead_letter(const kafka::Message& message, const core::Error& why);
  void emit(const Alert& alert, const core::TokenInfo* token, const kafka::Message& source);
  // Periodic commits without blocking: start_commit() takes the positions read so far;
  // finish_commit(), called every loop, commits them (asynchronously) once every message
  // produced before them is acknowledged, or replays from the last commit if one failed.
  void start_commit();
  void finish_commit();
  // Blocking (revocation, exit): flushes, then commits what is acknowledged, or replays.
  void checkpoint(const kafka::TopicPartitions* only = nullptr);
  bool delivery_failed();
  void forget_pending_before(std::uint64_t tag_mark);
  void note_position(const kafka::Message& message);
  core::Positions positions(const std::vector<std::vector<std::int64_t>>& table,
                            const kafka::TopicPartitions* only) const;
  void replay_from_last_commit();
  void remember_published_alerts();
  void restore_prices();
  // Applies a tick to the registry tokens it names; false when it changed nothing.
  bool apply_price_tick(const codec::PriceTick& tick);
  void log_summary(std::chrono::steady_clock::duration elapsed);

  AlertMonitorOptions options_;
  AlertRules& rules_;
  const core::TokenRegistry& registry_;
  kafka::ClientConfig config_;
  kafka::ConsumerOptions consumer_options_;
  WebhookSender& webhooks_;

  AlertMonitorProbe probe_;
  AlertStatistics statistics_;
  http::LatencyHistogram alert_latency_;
  http::LatencyHistogram transfer_latency_;
  std::atomic<bool> ready_{false};
  // Set (release) once producer_, dead_letters_ and consumer_ exist: metrics_text() runs on
  // the HTTP server's thread and reads their probes only then.
  std::atomic<bool> clients_created_{false};

  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::DeadLetterPublisher> dead_letters_;
  std::unique_ptr<kafka::Consumer> consumer_;
  codec::TransferDecoder transfer_decoder_;
  codec::PriceTickDecoder price_decoder_;
  core::Transfer transfer_;

  // Alert ids known to be on the alerts topic (or sent since the last commit), oldest first
  // in order_, bounded by capacity.
  std::unordered_set<std::uint64_t> published_ids_;
  std::deque<std::uint64_t> published_order_;
  std::size_t published_capacity_ = 0;
  // Ids of alerts produced and not yet covered by a commit; the alert with delivery tag t is
  // pending_ids_[t - pending_base_]. Failed ones are forgotten, so a replay sends them again.
  std::deque<std::uint64_t> pending_ids_;
  std::uint64_t pending_base_ = 1;          // tag 0 is "not an alert" (dead letters)
  std::vector<std::uint64_t> failed_tags_;  // written by the delivery callback (same thread)
  std::uint64_t producer_failures_seen_ = 0;
  // A commit waiting for Kafka to acknowledge everything produced before its positions were
  // taken: the loop never blocks on it (see start_commit / finish_commit).
  struct PendingCommit {
    std::vector<std::vector<std::int64_t>> next;
    std::uint64_t produced_mark = 0;  // producer's produced count when taken
    std::uint64_t tag_mark = 0;       // first alert tag not covered
  };
  std::optional<PendingCommit> pending_commit_;

  // Per subscribed topic (topics_[i]) and partition: the next offset to read (-1: none read),
  // and what is committed (or where reading started, before the first commit; -1: unknown).
  std::vector<std::string> topics_;
  std::vector<std::vector<std::int64_t>> next_;
  std::vector<std::vector<std::int64_t>> committed_;
  bool dirty_ = false;
  std::uint64_t consumed_ = 0;
};

}  // namespace tokenflow::processors
