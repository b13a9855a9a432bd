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
  for (const auto& url : options_.urls) {
    auto endpoint = std::make_unique<Endpoint>();
    endpoint->url = url;
    for (int i = 0; i < std::max(1, options_.workers); ++i) {
      endpoint->threads.emplace_back([this, e = endpoint.get()] { work(*e); });
    }
    endpoints_.push_back(std::move(endpoint));
  }
}

WebhookSender::~WebhookSender() {
  // Every webhook gets the same drain deadline, not one after the other.
  const auto deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  for (auto& endpoint : endpoints_) {
    std::unique_lock lock(endpoint->mutex);
    endpoint->ready.wait_until(lock, deadline,
                               [&] { return endpoint->queue.empty() && endpoint->busy == 0; });
    endpoint->stopping = true;
    if (!endpoint->queue.empty()) {
      spdlog::warn("alerts: {} deliveries to webhook {} abandoned at shutdown",
                   endpoint->queue.size(), endpoint->url);
      probe_.dropped.add(endpoint->queue.size());
      endpoint->queue.clear();
    }
    lock.unlock();
    endpoint->ready.notify_all();
  }
  for (auto& endpoint : endpoints_) {
    for (auto& thread : endpoint->threads) thread.join();
  }
}

void WebhookSender::update_queued() {
  std::int64_t queued = 0;
  for (auto& endpoint : endpoints_) {
    std::lock_guard lock(endpoint->mutex);
    queued += static_cast<std::int64_t>(endpoint->queue.size());
  }
  probe_.queued.set(queued);
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
  bool all_queued = true;
  for (auto& endpoint : endpoints_) {
    {
      std::lock_guard lock(endpoint->mutex);
      if (endpoint->queue.size() >= options_.queue_capacity) {
        probe_.dropped.add();
        all_queued = false;
        spdlog::warn("alerts: webhook {} has {} alerts waiting: alert {} dropped for it (the "
                     "webhook is slower than the alerts; see "
                     "tokenflow_alerts_webhooks_dropped_total)",
                     endpoint->url, options_.queue_capacity, alert.alert_id);
        continue;
      }
      endpoint->queue.push_back(Job{alert.alert_id, payload(alert, endpoint->url, options_.format)});
    }
    endpoint->ready.notify_one();
  }
  update_queued();
  return all_queued;
}

bool WebhookSender::pause(Endpoint& endpoint, std::chrono::milliseconds delay) {
  std::unique_lock lock(endpoint.mutex);
  return !endpoint.ready.wait_for(lock, delay, [&] { return endpoint.stopping; });
}

void WebhookSender::deliver(Endpoint& endpoint, http::HttpClient& client, const Job& job) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const auto& url = endpoint.url;
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
    if (!pause(endpoint, delay)) {
      probe_.dropped.add();
      return;
    }
  }
}

void WebhookSender::work(Endpoint& endpoint) {
  http::HttpOptions http_options;
  http_options.request_timeout = options_.timeout;
  http_options.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(5'000));
  http_options.max_response_bytes = options_.max_response_bytes;
  http::HttpClient client(http_options);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(endpoint.mutex);
      endpoint.ready.wait(lock, [&] { return endpoint.stopping || !endpoint.queue.empty(); });
      if (endpoint.stopping) return;
      job = std::move(endpoint.queue.front());
      endpoint.queue.pop_front();
      ++endpoint.busy;
    }
    deliver(endpoint, client, job);
    {
      std::lock_guard lock(endpoint.mutex);
      --endpoint.busy;
    }
    endpoint.ready.notify_all();
  }
}

}  // namespace tokenflow::processors
