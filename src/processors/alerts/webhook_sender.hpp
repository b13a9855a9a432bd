// WebhookSender: posts alerts to webhooks (Slack- and Discord-compatible) from bounded
// queues on their own threads, so a slow, failing or hanging endpoint never blocks the
// stream. Each webhook has its own queue and threads: one that hangs delays no other.
//
// enqueue() never waits: when a webhook's queue is full the alert is dropped for that
// webhook, and counted and logged. Each request has a timeout; a failure (no answer, 429, 5xx) is retried
// with backoff (Retry-After honoured) up to max_attempts, then counted as failed; a 4xx other
// than 408/429 is not retried (the payload or the URL is wrong). Delivery is at-least-once:
// every request carries the alert id as its `Idempotency-Key` header.
//
// Payloads: Discord's {"content": ...} for URLs on discord.com/discordapp.com (or with
// format discord), else Slack's {"text": ...} plus the alert itself under "alert" (Slack and
// most generic receivers ignore fields they do not know).
//
// Lifecycle: construct (starts `workers` threads), enqueue() from the monitor's thread,
// destroy: waits up to drain_timeout for the queue to empty, then abandons (and counts) the
// rest. The probe is readable from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/retry_policy.hpp"
#include "http/http_client.hpp"
#include "kafka/metrics.hpp"
#include "processors/alerts/alert.hpp"

namespace tokenflow::processors {

enum class WebhookFormat { automatic, slack, discord };

struct WebhookOptions {
  std::vector<std::string> urls{};
  WebhookFormat format = WebhookFormat::automatic;
  std::size_t queue_capacity = 10'000;  // alerts waiting, per webhook
  int workers = 2;                      // requests in flight at once, per webhook
  std::chrono::milliseconds timeout{5'000};
  // A webhook's answer is read but not used; bounded all the same (http::HttpOptions).
  std::size_t max_response_bytes = http::kDefaultMaxResponseBytes;
  core::RetryPolicy retry{std::chrono::milliseconds(500), std::chrono::milliseconds(30'000), 2.0,
                          5};
  std::chrono::milliseconds drain_timeout{5'000};
};

struct WebhookProbe {
  kafka::Counter sent{"tokenflow_alerts_webhooks_sent_total", "webhook requests answered 2xx"};
  kafka::Counter retried{"tokenflow_alerts_webhook_retries_total",
                         "webhook requests retried after a failure"};
  kafka::Counter failed{"tokenflow_alerts_webhooks_failed_total",
                        "alerts a webhook never accepted (attempts exhausted, or refused 4xx)"};
  kafka::Counter dropped{"tokenflow_alerts_webhooks_dropped_total",
                         "alerts not sent because the webhook queue was full (or at shutdown)"};
  kafka::Gauge queued{"tokenflow_alerts_webhook_queue", "alerts waiting for webhooks"};
};

class WebhookSender {
 public:
  explicit WebhookSender(WebhookOptions options);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues `alert` for every webhook; never blocks. Returns false if any copy was dropped.
  bool enqueue(const Alert& alert);

  const WebhookProbe& probe() const noexcept { return probe_; }
  bool enabled() const noexcept { return !options_.urls.empty(); }

  // The JSON body sent to `url` for `alert` (exposed for tests).
  static std::string payload(const Alert& alert, const std::string& url, WebhookFormat format);

 private:
  struct Job {
    std::string alert_id;
    std::string body;
  };
  // One webhook: its queue and the threads that empty it.
  struct Endpoint {
    std::string url;
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<Job> queue;  // guarded by mutex
    std::size_t busy = 0;   // jobs being delivered; guarded by mutex
    bool stopping = false;  // guarded by mutex
    std::vector<std::thread> threads;
  };
  void work(Endpoint& endpoint);
  // Sends `job` until it is accepted, refused, out of attempts or the sender stops.
  void deliver(Endpoint& endpoint, http::HttpClient& client, const Job& job);
  // Waits `delay` unless stopping; returns false when stopping.
  bool pause(Endpoint& endpoint, std::chrono::milliseconds delay);
  void update_queued();

  WebhookOptions options_;
  WebhookProbe probe_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
};

}  // namespace tokenflow::processors
