#include "processors/alerts/webhook_sender.hpp"

#include <random>

#include <spdlog/spdlog.h>

#include "codec/json_writer.hpp"

namespace tokenflow::processors {
namespace {

bool is_discord(const std::string& url, WebhookFormat format) {
  if (format != WebhookFormat::automatic) return format == WebhookFormat::discord;
  return url.find("discord.com/") != std::string::npos ||
         url.find("discordapp.com/") != std::string::npos;
}

bool retryable(long status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

WebhookSender::WebhookSender(WebhookOptions options) : options_(std::move(options)) {
  if (options_.urls.empty()) return;
  for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { work(); });
}

WebhookSender::~WebhookSender() {
  if (threads_.empty()) return;
  {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, options_.drain_timeout, [this] { return queue_.empty() && busy_ == 0; });
    stopping_ = true;
    if (!queue_.empty()) {
      spdlog::warn("alerts: {} webhook deliveries abandoned at shutdown", queue_.size());
      probe_.dropped.add(queue_.size());
      queue_.clear();
    }
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

std::string WebhookSender::payload(const Alert& alert, const std::string& url,
                                   WebhookFormat format) {
  std::string body;
  if (is_discord(url, format)) {
    body = "{\"username\":\"tokenflow\",\"content\":";
    codec::append_json_string(body, chat_text(alert));
  } else {
    body = "{\"text\":";
    codec::append_json_string(body, chat_text(alert));
    body.append(",\"alert\":").append(alert_json(alert));
  }
  body.push_back('}');
  return body;
}

bool WebhookSender::enqueue(const Alert& alert) {
  if (options_.urls.empty()) return true;
  bool all_queued = true;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < options_.urls.size(); ++i) {
      if (queue_.size() >= options_.queue_capacity) {
        probe_.dropped.add();
        all_queued = false;
        continue;
      }
      queue_.push_back(Job{i, alert.alert_id, payload(alert, options_.urls[i], options_.format)});
    }
    probe_.queued.set(static_cast<std::int64_t>(queue_.size()));
  }
  if (!all_queued) {
    spdlog::warn("alerts: webhook queue full ({} alerts waiting): alert {} not sent to every "
                 "webhook (a webhook is slower than the alerts; see "
                 "tokenflow_alerts_webhooks_dropped_total)",
                 options_.queue_capacity, alert.alert_id);
  }
  ready_.notify_all();
  return all_queued;
}

bool WebhookSender::pause(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !ready_.wait_for(lock, delay, [this] { return stopping_; });
}

void WebhookSender::deliver(http::HttpClient& client, const Job& job) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const auto& url = options_.urls[job.url_index];
  const std::string headers[] = {"Idempotency-Key: " + job.alert_id};
  for (std::uint32_t attempt = 1;; ++attempt) {
    auto response = client.post_json(url, job.body, headers);
    std::string why;
    std::optional<std::chrono::milliseconds> retry_after;
    if (!response.ok()) {
      why = response.error().message;
    } else if (response->status >= 200 && response->status < 300) {
      probe_.sent.add();
      return;
    } else {
      why = "HTTP " + std::to_string(response->status);
      retry_after = response->retry_after;
      if (!retryable(response->status)) {
        probe_.failed.add();
        spdlog::error("alerts: webhook {} refused alert {} ({}); not retried: check the URL",
                      url, job.alert_id, why);
        return;
      }
    }
    if (options_.retry.gives_up_after(attempt)) {
      probe_.failed.add();
      spdlog::error("alerts: webhook {} failed for alert {} after {} attempts: {}", url,
                    job.alert_id, attempt, why);
      return;
    }
    auto delay = options_.retry.delay(attempt, rng);
    if (retry_after) delay = std::max(delay, std::min(*retry_after, options_.retry.cap));
    spdlog::warn("alerts: webhook {} failed for alert {} ({}); retry {} in {} ms", url,
                 job.alert_id, why, attempt, delay.count());
    probe_.retried.add();
    if (!pause(delay)) {
      probe_.dropped.add();
      return;
    }
  }
}

void WebhookSender::work() {
  http::HttpOptions http_options;
  http_options.request_timeout = options_.timeout;
  http_options.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(5'000));
  http::HttpClient client(http_options);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
      probe_.queued.set(static_cast<std::int64_t>(queue_.size()));
    }
    deliver(client, job);
    {
      std::lock_guard lock(mutex_);
      --busy_;
    }
    ready_.notify_all();
  }
}

}  // namespace tokenflow::processors
