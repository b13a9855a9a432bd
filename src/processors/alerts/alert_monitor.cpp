#include "processors/alerts/alert_monitor.hpp"

#include <spdlog/spdlog.h>

#include <functional>
#include <simdjson.h>

#include "codec/errc.hpp"
#include "core/ascii.hpp"
#include "kafka/topic_tail_reader.hpp"
#include "processors/alerts/alert.hpp"

namespace tokenflow::processors {
namespace {

using Clock = std::chrono::steady_clock;

std::uint64_t id_hash(std::string_view alert_id) {
  return std::hash<std::string_view>{}(alert_id);
}

double millis_since(std::int64_t epoch_ms) {
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return static_cast<double>(now_us - epoch_ms * 1000) / 1000.0;
}

}  // namespace

AlertMonitor::AlertMonitor(AlertMonitorOptions options, AlertRules& rules,
                           const core::TokenRegistry& registry, kafka::ClientConfig config,
                           kafka::ConsumerOptions consumer_options, WebhookSender& webhooks)
    : options_(std::move(options)),
      rules_(rules),
      registry_(registry),
      config_(std::move(config)),
      consumer_options_(std::move(consumer_options)),
      webhooks_(webhooks),
      statistics_(registry) {
  topics_.push_back(options_.transfers_topic);
  if (!options_.prices_topic.empty()) topics_.push_back(options_.prices_topic);
  next_.resize(topics_.size());
  committed_.resize(topics_.size());
  published_capacity_ = std::max<std::uint64_t>(options_.remembered_alerts, 1) * 16;
}

AlertMonitor::~AlertMonitor() = default;

core::Result<void> AlertMonitor::run(const core::StopSignal& stop) {
  kafka::ProducerOptions producer_options;
  producer_options.client_id = "tokenflow-alerts";
  producer_options.linger_ms = 1;  // an alert should leave at once
  producer_options.on_delivery = [this](const kafka::DeliveryReport& report) {
    if (!report.ok() && report.tag != 0) failed_tags_.push_back(report.tag);
  };
  auto producer = kafka::Producer::create(config_, producer_options);
  if (!producer.ok()) return std::move(producer).error();
  producer_ = std::move(*producer);
  dead_letters_ = std::make_unique<kafka::DeadLetterPublisher>(
      *producer_, kafka::DeadLetterOptions{.group = consumer_options_.group_id});

  restore_prices();
  consumer_options_.topics = topics_;
  auto consumer = kafka::Consumer::create(config_, consumer_options_, this);
  if (!consumer.ok()) return std::move(consumer).error();
  consumer_ = std::move(*consumer);
  clients_created_.store(true, std::memory_order_release);
  spdlog::info("alerts: watching {}{} in group {}; alerts to {}", options_.transfers_topic,
               options_.prices_topic.empty() ? "" : " and prices on " + options_.prices_topic,
               consumer_options_.group_id,
               [&] {
                 std::string outputs;
                 if (options_.console) outputs += "console";
                 if (options_.publish_alerts) outputs += (outputs.empty() ? "" : ", ") + options_.alerts_topic;
                 if (webhooks_.enabled()) outputs += (outputs.empty() ? "" : ", ") + std::string("webhooks");
                 return outputs.empty() ? std::string("nowhere (every output is off)") : outputs;
               }());

  const auto started = Clock::now();
  auto next_commit = started + options_.commit_interval;
  auto next_publish = started + std::chrono::seconds(1);
  auto next_summary = options_.stats_interval.count() > 0 ? started + options_.stats_interval
                                                          : Clock::time_point::max();
  while (!stop.requested()) {
    if (options_.max_records != 0 && consumed_ >= options_.max_records) break;
    if (auto message = consumer_->poll(std::chrono::milliseconds(20))) {
      if (!message->is_error()) handle(*message);
      // Drain what is already fetched before looking at the clock again.
      for (int i = 0; i < 255; ++i) {
        if (options_.max_records != 0 && consumed_ >= options_.max_records) break;
        auto more = consumer_->poll(std::chrono::milliseconds(0));
        if (!more) break;
        if (!more->is_error()) handle(*more);
      }
    }
    producer_->poll();
    if (auto fatal = producer_->fatal_error()) return *fatal;
    const auto now = Clock::now();
    finish_commit();
    if (now >= next_commit) {
      start_commit();
      next_commit = now + options_.commit_interval;
    }
    if (now >= next_publish) {
      statistics_.publish();
      next_publish = now + std::chrono::seconds(1);
    }
    if (now >= next_summary) {
      log_summary(now - started);
      next_summary = now + options_.stats_interval;
    }
  }
  checkpoint();
  statistics_.publish();
  log_summary(Clock::now() - started);
  if (auto closed = consumer_->close(); !closed.ok()) {
    spdlog::warn("alerts: leaving the group: {}", closed.error().message);
  }
  return core::success();
}

void AlertMonitor::note_position(const kafka::Message& message) {
  const std::size_t t = message.topic() == topics_[0] ? 0 : 1;
  auto& next = next_[t];
  const auto p = static_cast<std::size_t>(message.partition().value);
  if (p >= next.size()) {
    next.resize(p + 1, -1);
    committed_[t].resize(p + 1, -1);
  }
  if (committed_[t][p] < 0) committed_[t][p] = message.offset().value;  // where reading began
  next[p] = message.offset().value + 1;
  dirty_ = true;
}

void AlertMonitor::handle(const kafka::Message& message) {
  ++consumed_;
  probe_.consumed.add();
  note_position(message);
  if (topics_.size() > 1 && message.topic() == topics_[1]) {
    handle_price_tick(message);
  } else {
    handle_transfer(message);
  }
}

void AlertMonitor::handle_transfer(const kafka::Message& message) {
  if (auto decoded = transfer_decoder_.decode(message.payload(), transfer_); !decoded.ok()) {
    dead_letter(message, decoded.error());
    return;
  }
  probe_.transfers.add();
  if (auto sent = message.timestamp_ms()) transfer_latency_.record(millis_since(*sent));
  std::array<Firing, 4> fired;
  TokenView token;
  const std::size_t count = rules_.evaluate(transfer_, fired, token);
  statistics_.count_transfer(token.info, transfer_.value);
  if (token.info == nullptr) probe_.unknown_tokens.add();
  for (std::size_t i = 0; i < count; ++i) {
    emit(make_alert(transfer_, fired[i], token), token.info, message);
  }
}

void AlertMonitor::emit(const Alert& alert, const core::TokenInfo* token,
                        const kafka::Message& source) {
  const auto hash = id_hash(alert.alert_id);
  if (published_ids_.contains(hash)) {
    probe_.redelivered.add();
    return;
  }
  published_ids_.insert(hash);
  published_order_.push_back(hash);
  if (published_order_.size() > published_capacity_) {
    published_ids_.erase(published_order_.front());
    published_order_.pop_front();
  }
  probe_.alerts.add();
  statistics_.count_alert(token, alert.rule);
  if (options_.console) {
    const auto block = console_block(alert, options_.color);
    std::fwrite(block.data(), 1, block.size(), options_.console_stream);
    std::fflush(options_.console_stream);
  }
  if (options_.publish_alerts) {
    const std::uint64_t tag = pending_base_ + pending_ids_.size();
    pending_ids_.push_back(hash);
    const auto json = alert_json(alert);
    if (auto produced = producer_->produce(options_.alerts_topic, alert.token, json, {}, tag);
        !produced.ok()) {
      spdlog::error("alerts: alert {} for {} not published to {}: {}", alert.alert_id,
                    source.describe(), options_.alerts_topic, produced.error().message);
      failed_tags_.push_back(tag);
    }
  }
  webhooks_.enqueue(alert);
  if (auto sent = source.timestamp_ms()) alert_latency_.record(millis_since(*sent));
  if (options_.on_alert) options_.on_alert(alert, source);
}

void AlertMonitor::handle_price_tick(const kafka::Message& message) {
  auto tick = price_decoder_.decode(message.payload());
  if (!tick.ok()) {
    dead_letter(message, tick.error());
    return;
  }
  const bool applied = apply_price_tick(*tick);
  if (applied) {
    probe_.price_ticks.add();
    spdlog::debug("alerts: {} is now {} USD (from {}, {})", tick->asset,
                  tick->price_usd.to_string(), tick->source, message.describe());
  } else {
    probe_.price_ticks_ignored.add();
    spdlog::debug("alerts: price tick for {} ignored (not in the registry, or older than the "
                  "price in force) at {}",
                  tick->asset, message.describe());
  }
}

bool AlertMonitor::apply_price_tick(const codec::PriceTick& tick) {
  bool applied = false;
  // The token is named by its contract when the tick gives one (produce prices maps
  // CoinGecko ids to the registry's contracts), else by an address or a symbol as `asset`,
  // else by `symbol` (a CoinGecko id such as "usd-coin" names no registry token itself).
  core::Address address;
  if (tick.contract_address) address = *tick.contract_address;
  if (tick.contract_address || core::Address::try_parse(tick.asset, address)) {
    if (const auto* token = registry_.find(address, tick.chain_id.value_or(core::kEthereumMainnet))) {
      applied = rules_.set_price(*token, tick.price_usd, tick.timestamp);
    }
    return applied;
  }
  for (const auto& token : registry_.tokens()) {
    if (tick.chain_id && token.chain_id != *tick.chain_id) continue;
    // ASCII case only: an asset is outside input, and std::tolower on its bytes over 0x7f
    // would be undefined.
    if (!core::ascii_iequals(token.symbol, tick.asset) &&
        (tick.symbol.empty() || !core::ascii_iequals(token.symbol, tick.symbol))) {
      continue;
    }
    applied = rules_.set_price(token, tick.price_usd, tick.timestamp) || applied;
  }
  return applied;
}

void AlertMonitor::restore_prices() {
  if (options_.prices_topic.empty() || options_.price_ticks_read_back == 0) return;
  std::uint64_t applied = 0;
  auto read = kafka::read_topic_tail(config_, options_.prices_topic,
                                     options_.price_ticks_read_back, options_.recovery_timeout,
                                     [&](std::string_view payload) {
                                       auto tick = price_decoder_.decode(payload);
                                       if (tick.ok() && apply_price_tick(*tick)) ++applied;
                                     });
  if (!read.ok()) {
    spdlog::warn("alerts: could not read back the last price ticks of {}: {}; registry pegs "
                 "apply until new ticks arrive",
                 options_.prices_topic, read.error().message);
    return;
  }
  spdlog::info("alerts: {} of the last {} price ticks of {} applied", applied, read->messages,
               options_.prices_topic);
}

void AlertMonitor::dead_letter(const kafka::Message& message, const core::Error& why) {
  const std::string& reason = why.message;
  probe_.invalid.add();
  spdlog::warn("alerts: {} is invalid ({}); sent to {}", message.describe(), reason,
               dead_letters_->topic());
  if (auto sent = dead_letters_->publish(message.payload(), message.key(),
                                         std::string(message.topic()), message.partition(),
                                         message.offset(), codec::reason_kind(why), reason);
      !sent.ok()) {
    // Not committed past: the replay sends it again.
    failed_tags_.push_back(0);
  }
}

core::Positions AlertMonitor::positions(const std::vector<std::vector<std::int64_t>>& table,
                                        const kafka::TopicPartitions* only) const {
  core::Positions out;
  for (std::size_t t = 0; t < topics_.size(); ++t) {
    for (std::size_t p = 0; p < table[t].size(); ++p) {
      if (table[t][p] < 0) continue;
      if (only != nullptr &&
          std::none_of(only->begin(), only->end(), [&](const kafka::TopicPartition& tp) {
            return tp.topic == topics_[t] && tp.partition.value == static_cast<std::int32_t>(p);
          })) {
        continue;
      }
      out.push_back({topics_[t], core::Partition{static_cast<std::int32_t>(p)},
                     core::Offset{table[t][p]}});
    }
  }
  return out;
}

bool AlertMonitor::delivery_failed() {
  const auto failures = producer_->probe().failed.get();
  const bool failed = !failed_tags_.empty() || failures != producer_failures_seen_;
  producer_failures_seen_ = failures;
  return failed;
}

void AlertMonitor::forget_pending_before(std::uint64_t tag_mark) {
  while (!pending_ids_.empty() && pending_base_ < tag_mark) {
    pending_ids_.pop_front();
    ++pending_base_;
  }
}

void AlertMonitor::start_commit() {
  if (!dirty_ || pending_commit_ || !consumer_) return;
  pending_commit_ = PendingCommit{next_, producer_->probe().produced.get(),
                                  pending_base_ + pending_ids_.size()};
  dirty_ = false;
}

void AlertMonitor::finish_commit() {
  if (!pending_commit_) return;
  const auto& probe = producer_->probe();
  if (probe.delivered.get() + probe.failed.get() < pending_commit_->produced_mark &&
      failed_tags_.empty()) {
    return;  // not all acknowledged yet
  }
  if (delivery_failed()) {
    replay_from_last_commit();
    return;
  }
  auto next = positions(pending_commit_->next, nullptr);
  // Asynchronous: a refused commit is logged by the consumer, and the next one covers it.
  if (!next.empty()) {
    if (auto committed = consumer_->commit(next, true); committed.ok()) {
      probe_.commits.add();
      for (std::size_t t = 0; t < topics_.size(); ++t) {
        const auto& taken = pending_commit_->next[t];
        for (std::size_t p = 0; p < taken.size() && p < committed_[t].size(); ++p) {
          if (taken[p] >= 0 && next_[t][p] >= 0) committed_[t][p] = taken[p];
        }
      }
    }
  }
  forget_pending_before(pending_commit_->tag_mark);
  pending_commit_.reset();
}

void AlertMonitor::checkpoint(const kafka::TopicPartitions* only) {
  if (!consumer_) return;
  if (auto flushed = producer_->flush(options_.flush_timeout); !flushed.ok()) {
    spdlog::warn("alerts: waiting for Kafka to acknowledge alerts: {}; not committing yet",
                 flushed.error().message);
    return;
  }
  if (delivery_failed()) {
    replay_from_last_commit();
    return;
  }
  forget_pending_before(pending_base_ + pending_ids_.size());  // all acknowledged
  auto next = positions(next_, only);
  if (next.empty()) return;
  if (auto committed = consumer_->commit(next); !committed.ok()) {
    spdlog::warn("alerts: committing offsets: {} (the next commit retries; a restart would "
                 "re-read, and the alert ids guard against duplicates)",
                 committed.error().message);
    return;
  }
  probe_.commits.add();
  for (std::size_t t = 0; t < topics_.size(); ++t) {
    for (std::size_t p = 0; p < next_[t].size(); ++p) {
      if (next_[t][p] >= 0) committed_[t][p] = next_[t][p];
    }
  }
  if (only == nullptr) dirty_ = false;
}

void AlertMonitor::replay_from_last_commit() {
  probe_.replays.add();
  // Alerts that did not reach Kafka must be sent again: forget their ids.
  for (auto tag : failed_tags_) {
    if (tag < pending_base_ || tag - pending_base_ >= pending_ids_.size()) continue;
    published_ids_.erase(pending_ids_[tag - pending_base_]);
  }
  const auto failed = failed_tags_.size();
  failed_tags_.clear();
  forget_pending_before(pending_base_ + pending_ids_.size());
  pending_commit_.reset();
  auto back = positions(committed_, nullptr);
  spdlog::warn("alerts: {} alerts or dead letters were not acknowledged by Kafka; reading "
               "again from the last commit ({} partitions)",
               failed, back.size());
  if (auto sought = consumer_->seek(back, std::chrono::seconds(10)); !sought.ok()) {
    spdlog::error("alerts: seeking back: {}", sought.error().message);
  }
  for (std::size_t t = 0; t < topics_.size(); ++t) next_[t] = committed_[t];
  dirty_ = false;
}

void AlertMonitor::remember_published_alerts() {
  if (!options_.publish_alerts) return;
  simdjson::dom::parser parser;
  std::uint64_t remembered = 0;
  auto read = kafka::read_topic_tail(
      config_, options_.alerts_topic, options_.remembered_alerts, options_.recovery_timeout,
      [&](std::string_view payload) {
        simdjson::dom::element root;
        std::string_view id;
        // A message without a payload has no data pointer, which simdjson must not be given.
        if (payload.empty() || parser.parse(payload.data(), payload.size()).get(root) ||
            root["alert_id"].get(id)) {
          return;  // not one of ours
        }
        const auto hash = id_hash(id);
        if (published_ids_.insert(hash).second) {
          published_order_.push_back(hash);
          ++remembered;
        }
      });
  while (published_order_.size() > published_capacity_) {
    published_ids_.erase(published_order_.front());
    published_order_.pop_front();
  }
  if (!read.ok()) {
    spdlog::warn("alerts: could not read back the last alerts of {}: {}; alerts of events "
                 "re-read after a crash may be sent twice",
                 options_.alerts_topic, read.error().message);
    return;
  }
  spdlog::info("alerts: {} alert ids read back from the last {} messages of {} ({} partitions)",
               remembered, read->messages, options_.alerts_topic, read->partitions);
}

core::Positions AlertMonitor::on_assigned(const kafka::TopicPartitions& partitions) {
  spdlog::info("alerts: {} partitions assigned", partitions.size());
  remember_published_alerts();
  ready_.store(true, std::memory_order_relaxed);
  return {};  // start at the group's committed offsets
}

void AlertMonitor::on_revoked(const kafka::TopicPartitions& partitions) {
  spdlog::info("alerts: {} partitions revoked", partitions.size());
  checkpoint(&partitions);
  for (const auto& tp : partitions) {
    for (std::size_t t = 0; t < topics_.size(); ++t) {
      const auto p = static_cast<std::size_t>(tp.partition.value);
      if (tp.topic != topics_[t] || p >= next_[t].size()) continue;
      next_[t][p] = -1;
      committed_[t][p] = -1;
      // Not ours any more: a later commit must not touch it.
      if (pending_commit_ && p < pending_commit_->next[t].size()) pending_commit_->next[t][p] = -1;
    }
  }
}

void AlertMonitor::log_summary(std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const auto transfers = probe_.transfers.get();
  spdlog::info(
      "alerts: {} transfers in {:.0f} s ({:.0f}/s), {} alerts, {} redelivered, {} invalid, "
      "{} unknown-token transfers, {} price ticks; alert latency p50 {:.1f} ms p99 {:.1f} ms",
      transfers, seconds, seconds > 0 ? static_cast<double>(transfers) / seconds : 0.0,
      probe_.alerts.get(), probe_.redelivered.get(), probe_.invalid.get(),
      probe_.unknown_tokens.get(), probe_.price_ticks.get(), alert_latency_.quantile_ms(0.5),
      alert_latency_.quantile_ms(0.99));
  for (const auto& line : statistics_.summary_lines(10)) spdlog::info("alerts:   {}", line);
}

std::string AlertMonitor::metrics_text() const {
  http::PrometheusWriter out;
  for (const auto* counter :
       {&probe_.consumed, &probe_.transfers, &probe_.invalid, &probe_.alerts,
        &probe_.redelivered, &probe_.unknown_tokens, &probe_.price_ticks,
        &probe_.price_ticks_ignored, &probe_.replays, &probe_.commits}) {
    out.counter(*counter);
  }
  out.gauge("tokenflow_alerts_ready", "1 once partitions are assigned and alert ids read back",
            ready() ? 1 : 0);
  statistics_.write_metrics(out);
  out.histogram_seconds("tokenflow_alerts_latency_seconds",
                        "produce-to-alert latency: the transfer's Kafka timestamp to the alert "
                        "leaving the monitor",
                        alert_latency_);
  out.histogram_seconds("tokenflow_alerts_transfer_latency_seconds",
                        "the transfer's Kafka timestamp to its evaluation (every transfer)",
                        transfer_latency_);
  const auto& webhooks = webhooks_.probe();
  for (const auto* counter : {&webhooks.sent, &webhooks.retried, &webhooks.failed, &webhooks.dropped}) {
    out.counter(*counter);
  }
  out.gauge(webhooks.queued);
  if (clients_created_.load(std::memory_order_acquire)) {
    producer_->probe().for_each([&](const kafka::Counter& c) { out.counter(c); });
    out.consumer(consumer_->probe());
    out.dead_letters({dead_letters_.get()});
  }
  return out.take();
}

}  // namespace tokenflow::processors
