// alerts_bench: how fast `tokenflow alerts` evaluates transfers, and how soon after a transfer
// is produced its alert leaves the monitor, each beside a reference measured in the same run.
//
//   alerts_bench [--messages N] [--drain-messages D] [--rate R] [--seconds S]
//
// 1. Engine, one core, no Kafka: decode + every rule + (when one fires) the alert, over N =
//    500,000 simulated transfers held in memory. Reference: the decode alone.
// 2. Monitor, end to end: the real AlertMonitor (as `tokenflow alerts --no-console` runs it:
//    alerts to system.alerts, offsets committed every 500 ms) drains D = 300,000 transfers already
//    in a 48-partition topic of the embedded cluster (3 brokers, in this process). Reported: wall
//    rate, and the rate per CPU-second of the monitor's own thread (the "one core" figure;
//    librdkafka's fetch threads and the embedded brokers run beside it). Reference: a plain
//    kafka::Consumer draining the same topic (consume only).
// 3. Latency at a paced R = 10,000 transfers/s for S = 10 s (producer linger.ms 1), every
//    transfer alerting (--min-tokens 0, the harshest case: 10,000 alerts/s to Kafka): from just
//    before Producer::produce to the alert leaving the monitor (its on_alert hook), matched by
//    partition and offset. Reference: a plain consumer in its own group on the same stream,
//    same fetch.wait.max.ms (5 ms, the monitor's default), from produce to poll() returning it.
// Checked before printing, exactly (a missing or an extra alert fails the bench with a message):
// every transfer evaluated once; the alerts the monitor counted and the ones it published,
// read back from their topic by id, are those the rules fire for its input (part 2: the
// default rules over the D transfers; part 3: one per transfer sent, each seen once leaving
// the monitor and matched to a transfer delivered). The alerts topics are read while the
// monitor publishes (a reader thread beside it, which shares the cores), because 100,000
// alerts overflow the embedded cluster's retention and it would delete the oldest unread.
#include <pthread.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench_support.hpp"
#include "codec/transfer_decoder.hpp"
#include "codec/transfer_encoder.hpp"
#include "core/stop_signal.hpp"
#include "kafka/admin.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "kafka/topic_follower.hpp"
#include "processors/alerts/alert_monitor.hpp"
#include "processors/alerts/alert_rules.hpp"
#include "processors/alerts/webhook_sender.hpp"
#include "sources/chain_simulator.hpp"

namespace {

using namespace tokenflow;
using Clock = std::chrono::steady_clock;
using bench::LatencyStats;
using bench::summarize;
using bench::with_commas;

constexpr int kPartitions = 12;
constexpr int kDrainPartitions = 48;
constexpr double kTargetThroughput = 500'000;
constexpr double kTargetP99Ms = 10;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "alerts_bench: FAILED: %s\n", what.c_str());
  std::exit(1);
}

struct Options {
  std::size_t messages = 500'000;
  // Part 2 drains a pre-filled topic, which must fit the embedded cluster's retention.
  std::size_t drain_messages = 300'000;
  double rate = 10'000;
  double seconds = 10;
};

struct Messages {
  std::vector<std::string> keys;
  std::vector<std::string> payloads;
};

Messages make_messages(std::size_t n, const core::TokenRegistry& registry) {
  sources::ChainSimulator simulator(registry, sources::SimulatorOptions{});
  Messages m;
  core::Transfer t;
  char key[core::Address::kTextSize];
  for (std::size_t i = 0; i < n; ++i) {
    simulator.next(t);
    t.contract_address.write_hex(key);
    m.keys.emplace_back(key, sizeof key);
    m.payloads.push_back(codec::encode_transfer(t));
  }
  return m;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --- 1. engine ----------------------------------------------------------------------------

struct EngineResult {
  double decode_ns = 0;
  double engine_ns = 0;
  std::uint64_t alerts = 0;
};

EngineResult measure_engine(const Messages& m, const core::TokenRegistry& registry) {
  EngineResult result;
  codec::TransferDecoder decoder;
  core::Transfer t;
  std::vector<double> decode_runs, engine_runs;
  processors::AlertRules rules({}, registry);
  for (int run = 0; run < 3; ++run) {
    auto start = Clock::now();
    for (const auto& payload : m.payloads) {
      if (!decoder.decode(payload, t).ok()) fail("a simulated transfer did not decode");
    }
    decode_runs.push_back(seconds_since(start) * 1e9 / static_cast<double>(m.payloads.size()));
    std::uint64_t alerts = 0;
    std::array<processors::Firing, 4> fired;
    processors::TokenView token;
    start = Clock::now();
    for (const auto& payload : m.payloads) {
      if (!decoder.decode(payload, t).ok()) fail("a simulated transfer did not decode");
      const auto n = rules.evaluate(t, fired, token);
      for (std::size_t i = 0; i < n; ++i) {
        alerts += processors::alert_json(processors::make_alert(t, fired[i], token)).size() > 0;
      }
    }
    engine_runs.push_back(seconds_since(start) * 1e9 / static_cast<double>(m.payloads.size()));
    result.alerts = alerts;
  }
  result.decode_ns = bench::median(decode_runs);
  result.engine_ns = bench::median(engine_runs);
  return result;
}

// --- the answer ----------------------------------------------------------------------------

// The ids of the alerts `rules` fire for the first `n` transfers of `m`: what the monitor must
// publish, each exactly once.
std::vector<std::string> expected_alerts(const Messages& m, std::size_t n,
                                         const processors::AlertRules& rules) {
  codec::TransferDecoder decoder;
  core::Transfer t;
  std::array<processors::Firing, 4> fired;
  processors::TokenView token;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) {
    if (!decoder.decode(m.payloads[i % m.payloads.size()], t).ok()) {
      fail("a simulated transfer did not decode");
    }
    const auto k = rules.evaluate(t, fired, token);
    for (std::size_t j = 0; j < k; ++j)
      ids.push_back(processors::make_alert(t, fired[j], token).alert_id);
  }
  return ids;
}

// Reads an alerts topic on its own thread from before the monitor publishes to it until
// check(), so that no alert is deleted by the embedded cluster's retention (~5 MiB a
// partition, which 100,000 alerts of one token overflow) before it is read. The topic must
// exist and be empty when it is constructed; check() runs on the constructing thread once the
// monitor has finished.
class AlertReader {
 public:
  AlertReader(const kafka::ClientConfig& client, std::string topic)
      : client_(client), topic_(std::move(topic)) {
    auto follower = kafka::TopicFollower::create(client_, topic_);
    if (!follower.ok()) fail(topic_ + ": " + follower.error().message);
    follower_ = std::move(follower).value();
    thread_ = std::thread([this] { run(); });
  }
  ~AlertReader() { stop(); }
  AlertReader(const AlertReader&) = delete;
  AlertReader& operator=(const AlertReader&) = delete;

  // Waits until every message the topic was given is read (the sum of its high watermarks:
  // it started empty), then fails unless their ids are exactly `expected`: none missing,
  // none extra, none twice.
  void check(const std::vector<std::string>& expected, const std::string& what) {
    auto admin = kafka::Admin::create(client_);
    if (!admin.ok()) fail(what + ": " + admin.error().message);
    auto partitions = (*admin)->partition_count(topic_);
    if (!partitions.ok()) fail(what + ": " + partitions.error().message);
    std::int64_t produced = 0;
    for (int p = 0; p < *partitions; ++p) {
      auto high = (*admin)->high_watermark(topic_, core::Partition{p});
      if (!high.ok()) fail(what + ": " + high.error().message);
      produced += high->value;
    }
    for (auto deadline = Clock::now() + std::chrono::seconds(30);
         read_.load() < static_cast<std::uint64_t>(produced) && Clock::now() < deadline;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    if (!failure_.empty()) fail(what + ": " + failure_);
    std::size_t missing = 0;
    std::string example;
    for (const auto& id : expected) {
      auto it = published_.find(id);
      if (it == published_.end() || it->second == 0) {
        if (missing++ == 0) example = id;
        continue;
      }
      --it->second;
    }
    std::size_t extra = 0;
    std::string extra_example;
    for (const auto& [id, left] : published_) {
      if (left > 0 && extra == 0) extra_example = id;
      extra += static_cast<std::size_t>(left);
    }
    if (missing != 0 || extra != 0 || read_.load() != static_cast<std::uint64_t>(produced)) {
      fail(what + ": " + std::to_string(produced) + " alerts published to " + topic_ + ", " +
           std::to_string(read_.load()) + " read back, for " + std::to_string(expected.size()) +
           " expected from the input: " + std::to_string(missing) + " missing (e.g. " + example +
           "), " + std::to_string(extra) + " extra or repeated (e.g. " + extra_example + ")");
    }
  }

 private:
  void run() {
    simdjson::dom::parser parser;
    while (!stopping_.load()) {
      auto message = follower_->poll(std::chrono::milliseconds(50));
      if (!message) continue;
      simdjson::dom::element alert;
      std::string_view id;
      if (parser.parse(message->payload().data(), message->payload().size()).get(alert) !=
              simdjson::SUCCESS ||
          alert["alert_id"].get(id) != simdjson::SUCCESS) {
        if (failure_.empty()) {
          failure_ = message->describe() + " is not an alert: " + std::string(message->payload());
        }
      } else {
        ++published_[std::string(id)];
      }
      read_.fetch_add(1);
    }
  }
  void stop() {
    stopping_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  kafka::ClientConfig client_;
  std::string topic_;
  std::unique_ptr<kafka::TopicFollower> follower_;
  // Written by the reading thread until stop(), then read by check().
  std::unordered_map<std::string, int> published_;
  std::string failure_;
  std::atomic<std::uint64_t> read_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// --- 2. monitor throughput ----------------------------------------------------------------

void produce_all(const kafka::ClientConfig& client, const std::string& topic, const Messages& m) {
  kafka::ProducerOptions options;
  options.linger_ms = 5;
  auto producer = kafka::Producer::create(client, options);
  if (!producer.ok()) fail(producer.error().message);
  // Keyed by sequence number, not token: the simulated mix puts 40% of transfers on USDT, and
  // one partition holding that many messages would outgrow the embedded cluster's ~5 MiB per
  // partition retention before the readers start. The monitor does not care about keys.
  for (std::size_t i = 0; i < m.payloads.size(); ++i) {
    if (auto r = (*producer)->produce(topic, std::to_string(i), m.payloads[i]); !r.ok()) {
      fail(r.error().message);
    }
  }
  if (auto r = (*producer)->flush(std::chrono::seconds(120)); !r.ok()) fail(r.error().message);
  if ((*producer)->probe().failed.get() != 0) fail("messages not delivered");
}

struct DrainResult {
  double wall_seconds = 0;
  double cpu_seconds = 0;
  std::uint64_t messages = 0;
  std::uint64_t alerts = 0;
};

// The reference: a consumer that only reads, configured as the monitor's.
std::unique_ptr<kafka::Consumer> plain_consumer(const kafka::ClientConfig& client,
                                                const std::string& topic,
                                                const std::string& group) {
  kafka::ConsumerOptions options;
  options.group_id = group;
  options.topics = {topic};
  options.fetch_wait_max_ms = 5;
  auto consumer = kafka::Consumer::create(client, options);
  if (!consumer.ok()) fail(consumer.error().message);
  return std::move(consumer).value();
}

DrainResult drain_plain(const kafka::ClientConfig& client, const std::string& topic,
                        std::size_t n) {
  auto consumer = plain_consumer(client, topic, "alerts-bench-plain");
  DrainResult result;
  Clock::time_point start{};
  double cpu_start = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (result.messages < n) {
    if (Clock::now() > deadline) {
      fail("the plain consumer read " + std::to_string(result.messages) + " of " +
           std::to_string(n) +
           " in 120 s (more than the embedded cluster retains? lower --drain-messages)");
    }
    auto message = consumer->poll(std::chrono::milliseconds(100));
    if (!message) continue;
    if (message->is_error()) fail("plain consumer: " + message->error()->message);
    if (result.messages++ == 0) {
      start = Clock::now();
      cpu_start = thread_cpu_seconds();
    }
  }
  result.wall_seconds = seconds_since(start);
  result.cpu_seconds = thread_cpu_seconds() - cpu_start;
  (void)consumer->close();
  return result;
}

DrainResult drain_monitor(const kafka::ClientConfig& client, const std::string& topic,
                          std::size_t n, const core::TokenRegistry& registry) {
  processors::AlertRules rules({}, registry);
  processors::WebhookSender webhooks({});
  processors::AlertMonitorOptions options;
  options.transfers_topic = topic;
  options.console = false;
  options.max_records = n;
  options.stats_interval = std::chrono::milliseconds(0);
  kafka::ConsumerOptions consumer;
  consumer.group_id = "alerts-bench-monitor";
  consumer.fetch_wait_max_ms = 5;
  processors::AlertMonitor monitor(options, rules, registry, client, consumer, webhooks);
  DrainResult result;
  core::StopSignal stop;
  std::thread runner([&] {
    if (auto r = monitor.run(stop); !r.ok()) fail(r.error().message);
  });
  // The clocks start at the first message: the group join and the read-back of
  // system.alerts are not throughput. The monitor thread's CPU clock is read from here.
  clockid_t cpu_clock{};
  pthread_getcpuclockid(runner.native_handle(), &cpu_clock);
  auto cpu_now = [&] {
    timespec ts{};
    clock_gettime(cpu_clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  };
  while (monitor.probe().consumed.get() == 0)
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  const auto started = Clock::now();
  const double cpu_started = cpu_now();
  double cpu_done = cpu_started;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (monitor.probe().consumed.get() < n) {
    if (Clock::now() > deadline) fail("the monitor did not read every message in 120 s");
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    cpu_done = cpu_now();
  }
  result.wall_seconds = seconds_since(started);
  result.cpu_seconds = cpu_done - cpu_started;
  runner.join();
  result.messages = monitor.probe().transfers.get();
  result.alerts = monitor.probe().alerts.get();
  if (result.messages != n)
    fail("the monitor evaluated " + std::to_string(result.messages) + " of " + std::to_string(n));
  return result;
}

// The drain's answer: the monitor's count and what it published to system.alerts equal the
// alerts the rules fire for the transfers it was given.
void check_drain(AlertReader& published, const Messages& m, const DrainResult& result,
                 const core::TokenRegistry& registry) {
  const processors::AlertRules rules({}, registry);
  const auto expected = expected_alerts(m, m.payloads.size(), rules);
  if (result.alerts != expected.size()) {
    fail("the monitor counted " + std::to_string(result.alerts) + " alerts for " +
         std::to_string(expected.size()) + " expected from its " +
         std::to_string(m.payloads.size()) + " transfers");
  }
  published.check(expected, "monitor drain");
}

// --- 3. latency -----------------------------------------------------------------------------

struct LatencyResult {
  LatencyStats kafka;
  LatencyStats alert;
  std::uint64_t alerts = 0;
};

LatencyResult measure_latency(const kafka::ClientConfig& client, const Messages& m,
                              const Options& o, const core::TokenRegistry& registry) {
  const std::string topic = "alerts-bench-paced";
  const std::size_t n = static_cast<std::size_t>(o.rate * o.seconds);
  // Each transfer sent once: a repeated id would be (rightly) not alerted again.
  if (n > m.payloads.size()) {
    fail("--rate x --seconds = " + std::to_string(n) + " transfers, more than the " +
         std::to_string(m.payloads.size()) + " distinct ones of --messages");
  }
  // Send time by (partition, offset), filled from delivery reports.
  std::vector<Clock::time_point> sent_at(n);
  std::mutex mutex;
  std::map<std::pair<int, std::int64_t>, std::size_t> index;
  std::vector<std::pair<std::pair<int, std::int64_t>, Clock::time_point>> plain_seen, alert_seen;
  plain_seen.reserve(n);
  alert_seen.reserve(n);

  processors::AlertRulesOptions rules_options;
  rules_options.min_tokens = core::Decimal::from_integer(0);
  rules_options.mints = false;  // exactly one alert per transfer
  rules_options.burns = false;
  processors::AlertRules rules(rules_options, registry);
  processors::WebhookSender webhooks({});
  processors::AlertMonitorOptions monitor_options;
  monitor_options.transfers_topic = topic;
  monitor_options.alerts_topic = "alerts-bench-alerts";
  monitor_options.console = false;
  monitor_options.stats_interval = std::chrono::milliseconds(0);
  monitor_options.on_alert = [&](const processors::Alert&, const kafka::Message& source) {
    alert_seen.push_back({{source.partition().value, source.offset().value}, Clock::now()});
  };
  kafka::ConsumerOptions monitor_consumer;
  monitor_consumer.group_id = "alerts-bench-latency-monitor";
  monitor_consumer.fetch_wait_max_ms = 5;
  AlertReader published(client, monitor_options.alerts_topic);
  processors::AlertMonitor monitor(monitor_options, rules, registry, client, monitor_consumer,
                                   webhooks);
  core::StopSignal stop;
  std::thread monitor_thread([&] {
    if (auto r = monitor.run(stop); !r.ok()) fail(r.error().message);
  });

  auto plain = plain_consumer(client, topic, "alerts-bench-latency-plain");
  std::thread plain_thread([&] {
    while (plain_seen.size() < n) {
      auto message = plain->poll(std::chrono::milliseconds(50));
      if (!message || message->is_error()) continue;
      plain_seen.push_back({{message->partition().value, message->offset().value}, Clock::now()});
    }
  });
  // Both readers join their groups before the first message (3 s on the embedded cluster).
  while (!monitor.ready()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::seconds(4));

  kafka::ProducerOptions producer_options;
  producer_options.linger_ms = 1;
  producer_options.on_delivery = [&](const kafka::DeliveryReport& report) {
    if (!report.ok()) fail("a paced message was not delivered");
    std::lock_guard lock(mutex);
    index[{report.partition.value, report.offset.value}] = report.tag;
  };
  auto producer = kafka::Producer::create(client, producer_options);
  if (!producer.ok()) fail(producer.error().message);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(static_cast<double>(i) / o.rate));
    if (auto now = Clock::now(); due > now) std::this_thread::sleep_for(due - now);
    sent_at[i] = Clock::now();
    const auto k = i % m.payloads.size();
    if (auto r = (*producer)->produce(topic, m.keys[k], m.payloads[k], {}, i); !r.ok())
      fail(r.error().message);
    (*producer)->poll();
  }
  if (auto r = (*producer)->flush(std::chrono::seconds(60)); !r.ok()) fail(r.error().message);
  plain_thread.join();
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (monitor.probe().alerts.get() < n && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop.request();
  monitor_thread.join();
  (void)plain->close();

  LatencyResult result;
  result.alerts = monitor.probe().alerts.get();
  if (result.alerts != n)
    fail(std::to_string(result.alerts) + " alerts for " + std::to_string(n) + " transfers");
  // One alert per transfer sent, each seen once by the hook and published once.
  if (alert_seen.size() != n || index.size() != n) {
    fail(std::to_string(alert_seen.size()) + " alerts seen leaving the monitor and " +
         std::to_string(index.size()) + " transfers delivered, for " + std::to_string(n) + " sent");
  }
  {
    std::map<std::pair<int, std::int64_t>, int> per_transfer;
    for (const auto& [position, at] : alert_seen) {
      if (++per_transfer[position] > 1 || !index.contains(position)) {
        fail("transfer at " + monitor_options.transfers_topic + "[" +
             std::to_string(position.first) + "]@" + std::to_string(position.second) +
             (index.contains(position) ? " alerted twice" : " was never sent"));
      }
    }
  }
  published.check(expected_alerts(m, n, rules), "paced run");
  auto latencies = [&](const auto& seen) {
    std::vector<double> ms;
    ms.reserve(seen.size());
    for (const auto& [position, at] : seen) {
      auto it = index.find(position);
      if (it == index.end()) fail("a message with no delivery report");
      // The first second is connection warm-up.
      if (std::chrono::duration<double>(sent_at[it->second] - start).count() < 1.0) continue;
      ms.push_back(std::chrono::duration<double, std::milli>(at - sent_at[it->second]).count());
    }
    return summarize(std::move(ms));
  };
  result.kafka = latencies(plain_seen);
  result.alert = latencies(alert_seen);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--messages")
      o.messages = std::stoull(argv[i + 1]);
    else if (flag == "--drain-messages")
      o.drain_messages = std::stoull(argv[i + 1]);
    else if (flag == "--rate")
      o.rate = std::stod(argv[i + 1]);
    else if (flag == "--seconds")
      o.seconds = std::stod(argv[i + 1]);
    else
      fail("unknown flag " + flag + " (try --messages N --rate R --seconds S)");
  }
  spdlog::set_level(spdlog::level::warn);
  const auto registry = core::TokenRegistry::builtin();
  const auto m = make_messages(o.messages, registry);

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf(
      "alerts_bench: %s simulated transfers (registry tokens, mainnet-like mix), load %s\n\n",
      with_commas(o.messages).c_str(), bench::load_average().c_str());
  const auto engine = measure_engine(m, registry);
  std::printf("1. Engine on one core, no Kafka (median of 3 runs over %s transfers)\n",
              with_commas(o.messages).c_str());
  std::printf("   %-44s %10s %14s\n", "", "ns/event", "events/s");
  std::printf("   %-44s %10.0f %14s\n", "reference: decode only", engine.decode_ns,
              with_commas(static_cast<std::uint64_t>(1e9 / engine.decode_ns)).c_str());
  std::printf("   %-44s %10.0f %14s   (%s alerts, default thresholds)\n", "decode + rules + alerts",
              engine.engine_ns,
              with_commas(static_cast<std::uint64_t>(1e9 / engine.engine_ns)).c_str(),
              with_commas(engine.alerts).c_str());

  auto cluster = kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail(cluster.error().message);
  const auto client = (*cluster)->client_config();
  // The throughput topic holds every message at once: 48 partitions keep each under the
  // embedded cluster's ~5 MiB per partition (older messages would be deleted).
  if (auto r = (*cluster)->create_topic("alerts-bench", kDrainPartitions); !r.ok())
    fail(r.error().message);
  if (auto r = (*cluster)->create_topic("alerts-bench-paced", kPartitions); !r.ok())
    fail(r.error().message);
  for (const char* topic : {"system.alerts", "alerts-bench-alerts", "tokenflow.dlq"}) {
    if (auto r = (*cluster)->create_topic(topic, 3); !r.ok()) fail(r.error().message);
  }
  const Messages drain_set{
      std::vector<std::string>(
          m.keys.begin(),
          m.keys.begin() + static_cast<std::ptrdiff_t>(std::min(o.drain_messages, m.keys.size()))),
      std::vector<std::string>(m.payloads.begin(),
                               m.payloads.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                        o.drain_messages, m.payloads.size())))};
  produce_all(client, "alerts-bench", drain_set);
  const auto plain = drain_plain(client, "alerts-bench", drain_set.payloads.size());
  AlertReader drained_alerts(client, "system.alerts");
  const auto monitor = drain_monitor(client, "alerts-bench", drain_set.payloads.size(), registry);
  check_drain(drained_alerts, drain_set, monitor, registry);
  const double target_share = monitor.messages / monitor.cpu_seconds / kTargetThroughput;
  std::printf(
      "\n2. Monitor end to end: %s transfers already in a %d-partition topic (embedded cluster, 3 "
      "brokers)\n",
      with_commas(drain_set.payloads.size()).c_str(), kDrainPartitions);
  std::printf("   %-44s %14s %18s\n", "", "events/s wall", "events/CPU-s (thread)");
  std::printf("   %-44s %14s %18s\n", "reference: plain consumer, consume only",
              with_commas(static_cast<std::uint64_t>(plain.messages / plain.wall_seconds)).c_str(),
              with_commas(static_cast<std::uint64_t>(plain.messages / plain.cpu_seconds)).c_str());
  std::printf(
      "   %-44s %14s %18s   (%s alerts published, as expected from the input; target %s/s on one "
      "core: %s)\n",
      "AlertMonitor (alerts to Kafka, commits)",
      with_commas(static_cast<std::uint64_t>(monitor.messages / monitor.wall_seconds)).c_str(),
      with_commas(static_cast<std::uint64_t>(monitor.messages / monitor.cpu_seconds)).c_str(),
      with_commas(monitor.alerts).c_str(),
      with_commas(static_cast<std::uint64_t>(kTargetThroughput)).c_str(),
      target_share >= 1 ? "met" : "NOT met");

  const auto latency = measure_latency(client, m, o, registry);
  std::printf(
      "\n3. Produce-to-alert latency at %s transfers/s for %.0f s, every transfer alerting (ms, "
      "first second left out)\n",
      with_commas(static_cast<std::uint64_t>(o.rate)).c_str(), o.seconds);
  std::printf("   %-44s %8s %8s %8s %8s %8s\n", "", "p50", "p90", "p99", "p99.9", "max");
  auto row = [](const char* name, const LatencyStats& s) {
    std::printf("   %-44s %8.2f %8.2f %8.2f %8.2f %8.2f\n", name, s.p50, s.p90, s.p99, s.p999,
                s.max);
  };
  row("reference: Kafka alone (plain consumer)", latency.kafka);
  row("produce -> alert out of the monitor", latency.alert);
  std::printf("   added by the monitor: p50 %+.2f ms, p99 %+.2f ms; target p99 < %.0f ms: %s\n",
              latency.alert.p50 - latency.kafka.p50, latency.alert.p99 - latency.kafka.p99,
              kTargetP99Ms, latency.alert.p99 < kTargetP99Ms ? "met" : "NOT met");
  return 0;
}
