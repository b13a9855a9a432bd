// Webhooks of `tokenflow alerts` against real local HTTP servers: one that fails the first
// attempts and then accepts (every alert arrives, each with its id as Idempotency-Key), and
// one that never answers (its requests time out and are counted, and the stream still flows:
// every alert still reaches system.alerts and the monitor finishes its records).
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "codec/transfer_encoder.hpp"
#include "http/http_server.hpp"
#include "kafka/producer.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

// Answers 503 to the first `failures` requests, then 200; records what it accepted.
class FlakyReceiver {
 public:
  explicit FlakyReceiver(int failures)
      : failures_(failures),
        server_(options(), [this](const http::Request& request, const http::ClientInfo&) {
          std::lock_guard lock(mutex_);
          ++requests_;
          if (requests_ <= failures_) {
            return http::make_error(request, 503, "try again");
          }
          accepted_.insert(std::string(request["Idempotency-Key"]));
          return http::make_response(request, 200, "text/plain", "ok");
        }) {
    EXPECT_TRUE(server_.start().ok());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hook"; }
  std::set<std::string> accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static http::HttpServerOptions options() {
    http::HttpServerOptions o;
    o.address = "127.0.0.1";
    o.name = "flaky webhook";
    return o;
  }
  int failures_;
  std::mutex mutex_;
  int requests_ = 0;
  std::set<std::string> accepted_;
  http::HttpServer server_;
};

// Accepts connections and never answers until destroyed.
class HangingReceiver {
 public:
  HangingReceiver()
      : server_(options(), [this](const http::Request& request, const http::ClientInfo&) {
          std::unique_lock lock(mutex_);
          ++requests_;
          released_.wait(lock, [this] { return release_; });
          return http::make_response(request, 200, "text/plain", "too late");
        }) {
    EXPECT_TRUE(server_.start().ok());
  }
  ~HangingReceiver() {
    {
      std::lock_guard lock(mutex_);
      release_ = true;
    }
    released_.notify_all();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/hook"; }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static http::HttpServerOptions options() {
    http::HttpServerOptions o;
    o.address = "127.0.0.1";
    o.name = "hanging webhook";
    o.threads = 4;
    return o;
  }
  std::mutex mutex_;
  std::condition_variable released_;
  bool release_ = false;
  int requests_ = 0;
  http::HttpServer server_;
};

TEST(AlertsWebhooks, AFlakyWebhookGetsEveryAlertAndAHangingOneNeverStopsTheStream) {
  Pipeline pipeline(false);
  ASSERT_TRUE(pipeline.cluster().create_topic("system.alerts", 3).ok());
  // make_transfers: unknown tokens, every 50th a mint and the next a burn.
  const auto transfers = make_transfers(2000, 5);
  std::set<std::string> expected;
  {
    auto producer = kafka::Producer::create(pipeline.client_config());
    ASSERT_TRUE(producer.ok());
    for (const auto& t : transfers) {
      ASSERT_TRUE((*producer)->produce(kPipelineTopic, t.contract_address.to_string(),
                                       codec::encode_transfer(t)).ok());
      if (t.is_mint()) expected.insert(t.id.value + ":mint");
      if (t.is_burn()) expected.insert(t.id.value + ":burn");
    }
    ASSERT_TRUE((*producer)->flush(30s).ok());
  }
  ASSERT_EQ(expected.size(), 80u);

  HangingReceiver hanging;
  FlakyReceiver flaky(3);
  auto alerts = pipeline.start_tokenflow(
      {"alerts", "--kafka-bootstrap", pipeline.bootstrap(), "--no-console", "--stats-interval", "0",
       "--max-records", "2000", "--webhook", flaky.url(), "--webhook", hanging.url(),
       "--webhook-timeout-ms", "300", "--webhook-attempts", "5", "--webhook-queue", "100"},
      "alerts.log");
  // The stream is not held up by the hanging webhook: all records are consumed, every alert
  // is on system.alerts, and the monitor exits (after its bounded webhook drain).
  ASSERT_EQ(alerts->wait(90s), 0) << tail_of(*alerts);
  std::set<std::string> published;
  for (const auto& record : pipeline.read_topic("system.alerts", 3, 30s)) {
    const auto at = record.payload.find("\"alert_id\":\"") + 12;
    published.insert(record.payload.substr(at, record.payload.find('"', at) - at));
  }
  EXPECT_EQ(published, expected);
  // The flaky webhook saw its 3 failures retried and finally accepted every alert.
  EXPECT_EQ(flaky.accepted(), expected);
  EXPECT_GE(flaky.requests(), 83);
  EXPECT_GE(hanging.requests(), 1);
  const auto log = alerts->output();
  EXPECT_NE(log.find("failed for alert"), std::string::npos) << tail_of(*alerts);
}

}  // namespace
}  // namespace tokenflow::testing
