// producer_bench: kafka::Producer (the wrapper every source publishes through) into the
// in-process embedded cluster, beside the reference measured in the same run: a bare
// librdkafka loop (rd_kafka_producev, poll(0) after each message, as librdkafka's examples
// do) with the same settings, so the ratio is the wrapper's cost.
//
//   producer_bench [--messages N] [--runs R] [--linger MS]
//
// Conditions (printed in the header): embedded cluster of 3 brokers in this process, a fresh
// topic of 12 partitions per measurement, acks=all, enable.idempotence=true, lz4,
// partitioner murmur2_random, linger.ms 5 (--linger), default queue sizes; messages are
// realistic simulator transfers (~300-byte JSON) keyed by their contract address, 100,000
// distinct ones encoded before the clock starts and cycled to N (default 1,000,000) per
// measurement. Runs (default 5) alternate which of the two goes first; medians are printed.
// The clock runs from the first produce to the end of flush (every delivery report served).
// Checked before printing: delivered == produced == N, 0 failed, and the topic's high
// watermarks (asked of the cluster) sum to N.
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"
#include "codec/transfer_encoder.hpp"
#include "core/token_registry.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "sources/chain_simulator.hpp"
#include "support/child_process.hpp"

namespace {

using tokenflow::bench::load_average;
using tokenflow::bench::median;

using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 12;
constexpr std::size_t kDistinctMessages = 100'000;
constexpr int kQueueFullPollMs = 100;  // the wrapper's wait on a full queue

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "producer_bench: FAILED: %s\n", what.c_str());
  std::exit(1);
}

struct Messages {
  std::vector<std::string> keys;
  std::vector<std::string> payloads;
  std::size_t payload_bytes = 0;
};

Messages make_messages() {
  const auto registry = tokenflow::core::TokenRegistry::builtin();
  tokenflow::sources::ChainSimulator simulator(registry, tokenflow::sources::SimulatorOptions{});
  Messages m;
  tokenflow::core::Transfer t;
  char key[tokenflow::core::Address::kTextSize];
  for (std::size_t i = 0; i < kDistinctMessages; ++i) {
    simulator.next(t);
    t.contract_address.write_hex(key);
    m.keys.emplace_back(key, sizeof key);
    m.payloads.push_back(tokenflow::codec::encode_transfer(t));
    m.payload_bytes += m.payloads.back().size();
  }
  return m;
}


struct Outcome {
  double seconds = 0;
  double cpu_seconds = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t queue_full = 0;
};

std::int64_t sum_high_watermarks(rd_kafka_t* rk, const std::string& topic) {
  std::int64_t sum = 0;
  for (int p = 0; p < kPartitions; ++p) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10'000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      fail("watermarks of " + topic + "[" + std::to_string(p) + "]: " + rd_kafka_err2str(err));
    }
    sum += high;
  }
  return sum;
}

void check(const char* who, const Outcome& o, std::int64_t watermarks, std::size_t n) {
  if (o.delivered != n || o.failed != 0 || watermarks != static_cast<std::int64_t>(n)) {
    fail(std::string(who) + ": delivered " + std::to_string(o.delivered) + ", failed " +
         std::to_string(o.failed) + ", high watermarks sum to " + std::to_string(watermarks) +
         "; expected " + std::to_string(n) + " delivered and stored, 0 failed");
  }
}

// The wrapper, as sources use it.
Outcome run_wrapper(const tokenflow::kafka::EmbeddedCluster& cluster, const std::string& topic,
                    const Messages& m, std::size_t n, int linger_ms) {
  tokenflow::kafka::ProducerOptions options;
  options.compression = "lz4";
  options.linger_ms = linger_ms;
  options.client_id = "producer-bench-wrapper";
  auto created = tokenflow::kafka::Producer::create(cluster.client_config(), options);
  if (!created.ok()) fail(created.error().message);
  auto& producer = **created;
  Outcome o;
  const double cpu0 = tokenflow::testing::self_cpu_seconds();
  const auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = i % m.keys.size();
    auto produced = producer.produce(topic, m.keys[k], m.payloads[k]);
    if (!produced.ok()) fail("wrapper produce: " + produced.error().message);
  }
  if (auto flushed = producer.flush(std::chrono::seconds(120)); !flushed.ok()) {
    fail("wrapper flush: " + flushed.error().message);
  }
  o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  o.cpu_seconds = tokenflow::testing::self_cpu_seconds() - cpu0;
  o.delivered = producer.probe().delivered.get();
  o.failed = producer.probe().failed.get();
  o.queue_full = producer.probe().queue_full.get();
  if (producer.probe().produced.get() != n)
    fail("wrapper counted another number of produced messages");
  check("wrapper", o, sum_high_watermarks(producer.native_handle(), topic), n);
  return o;
}

// The reference: librdkafka alone, the same properties the wrapper sets.
struct RawCounts {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
};

void raw_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* counts = static_cast<RawCounts*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    counts->delivered.fetch_add(1, std::memory_order_relaxed);
  } else {
    counts->failed.fetch_add(1, std::memory_order_relaxed);
  }
}

Outcome run_raw(const tokenflow::kafka::EmbeddedCluster& cluster, const std::string& topic,
                const Messages& m, std::size_t n, int linger_ms) {
  RawCounts counts;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::array<char, 512> err{};
  const std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", cluster.bootstrap_servers()},
      {"client.id", "producer-bench-raw"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"compression.type", "lz4"},
      {"linger.ms", std::to_string(linger_ms)},
  };
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err.data(), err.size()) !=
        RD_KAFKA_CONF_OK) {
      fail("raw conf " + key + ": " + err.data());
    }
  }
  rd_kafka_conf_set_dr_msg_cb(conf, raw_delivery);
  rd_kafka_conf_set_opaque(conf, &counts);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
  if (rk == nullptr) fail(std::string("raw producer: ") + err.data());

  Outcome o;
  const double cpu0 = tokenflow::testing::self_cpu_seconds();
  const auto start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = i % m.keys.size();
    for (;;) {
      // librdkafka's RD_KAFKA_V_* macros are C casts.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
      const rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(m.keys[k].data(), m.keys[k].size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(m.payloads[k].data()), m.payloads[k].size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
#pragma GCC diagnostic pop
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        fail(std::string("raw produce: ") + rd_kafka_err2str(e));
      ++o.queue_full;
      rd_kafka_poll(rk, kQueueFullPollMs);
    }
    rd_kafka_poll(rk, 0);
  }
  if (rd_kafka_flush(rk, 120'000) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("raw flush timed out");
  o.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  o.cpu_seconds = tokenflow::testing::self_cpu_seconds() - cpu0;
  o.delivered = counts.delivered.load();
  o.failed = counts.failed.load();
  check("raw librdkafka", o, sum_high_watermarks(rk, topic), n);
  rd_kafka_destroy(rk);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1'000'000;
  int runs = 5;
  int linger_ms = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--messages" && i + 1 < argc) {
      n = std::stoull(argv[++i]);
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::stoi(argv[++i]);
    } else if (arg == "--linger" && i + 1 < argc) {
      linger_ms = std::stoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--messages N] [--runs R] [--linger MS]\n", argv[0]);
      return 2;
    }
  }
  if (n == 0 || runs < 1 || linger_ms < 0) fail("--messages and --runs must be positive");
  spdlog::set_level(spdlog::level::warn);
  const std::string load_at_start = load_average();

  const Messages messages = make_messages();
  auto cluster = tokenflow::kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail(cluster.error().message);

  std::vector<double> raw_rate;
  std::vector<double> wrapper_rate;
  std::vector<double> ratio;
  std::vector<double> raw_cpu_us;  // process CPU per message
  std::vector<double> wrapper_cpu_us;
  std::vector<double> cpu_ratio;
  std::uint64_t raw_queue_full = 0;
  std::uint64_t wrapper_queue_full = 0;
  int topic_number = 0;
  auto fresh_topic = [&] {
    const std::string topic = "producer-bench-" + std::to_string(topic_number++);
    if (auto c = (*cluster)->create_topic(topic, kPartitions); !c.ok()) fail(c.error().message);
    return topic;
  };
  for (int run = 0; run < runs; ++run) {
    Outcome raw;
    Outcome wrapped;
    if (run % 2 == 0) {
      raw = run_raw(**cluster, fresh_topic(), messages, n, linger_ms);
      wrapped = run_wrapper(**cluster, fresh_topic(), messages, n, linger_ms);
    } else {
      wrapped = run_wrapper(**cluster, fresh_topic(), messages, n, linger_ms);
      raw = run_raw(**cluster, fresh_topic(), messages, n, linger_ms);
    }
    const double nd = static_cast<double>(n);
    raw_rate.push_back(nd / raw.seconds);
    wrapper_rate.push_back(nd / wrapped.seconds);
    ratio.push_back(wrapper_rate.back() / raw_rate.back());
    raw_cpu_us.push_back(raw.cpu_seconds / nd * 1e6);
    wrapper_cpu_us.push_back(wrapped.cpu_seconds / nd * 1e6);
    cpu_ratio.push_back(wrapper_cpu_us.back() / raw_cpu_us.back());
    raw_queue_full += raw.queue_full;
    wrapper_queue_full += wrapped.queue_full;
    std::fprintf(stderr, "run %d/%d: raw %.0f msgs/s, wrapper %.0f msgs/s\n", run + 1, runs,
                 raw_rate.back(), wrapper_rate.back());
  }

  const double mean_bytes =
      static_cast<double>(messages.payload_bytes) / static_cast<double>(messages.payloads.size());
  std::printf("\nproducer_bench: kafka::Producer vs bare librdkafka %s, same cluster, same run\n",
              rd_kafka_version_str());
  std::printf("machine load average (1/5/15 min): %s at start, %s at end\n", load_at_start.c_str(),
              load_average().c_str());
  std::printf(
      "cluster: embedded (librdkafka mock), 3 brokers in this process; a fresh topic of "
      "%d partitions per measurement\n",
      kPartitions);
  std::printf(
      "producer: acks=all, enable.idempotence=true, compression lz4, linger.ms %d, "
      "murmur2_random, default queue sizes, one thread\n",
      linger_ms);
  std::printf(
      "messages: %zu per measurement, simulator transfers keyed by contract, %.0f bytes "
      "of JSON on average (%zu distinct, cycled)\n",
      n, mean_bytes, messages.payloads.size());
  std::printf(
      "runs: %d (order alternating), medians; checked: delivered == produced == %zu, "
      "0 failed, high watermarks sum to %zu\n\n",
      runs, n, n);
  std::printf("%-40s %10s %8s %12s %12s %12s\n", "producer", "msgs/s", "MB/s", "vs reference",
              "CPU us/msg", "CPU vs ref");
  const double mb = mean_bytes / 1e6;
  std::printf("%-40s %10.0f %8.0f %12s %12.2f %12s\n", "reference: rd_kafka_producev loop",
              median(raw_rate), median(raw_rate) * mb, "1.00x", median(raw_cpu_us), "1.00x");
  std::printf("%-40s %10.0f %8.0f %11.2fx %12.2f %11.2fx\n", "kafka::Producer::produce",
              median(wrapper_rate), median(wrapper_rate) * mb, median(ratio),
              median(wrapper_cpu_us), median(cpu_ratio));
  std::printf(
      "\n(CPU = this process's CPU time per message: the producing thread, librdkafka's "
      "threads (batching, lz4) and the embedded cluster's)\n");
  std::printf(
      "(ratios = medians of the per-run ratios; runs: reference %s msgs/s, wrapper %s "
      "msgs/s; local queue full: reference %llu times, wrapper %llu times)\n",
      [&] {
        std::string s;
        for (double r : raw_rate)
          s += (s.empty() ? "" : "/") + std::to_string(static_cast<long>(r));
        return s;
      }()
          .c_str(),
      [&] {
        std::string s;
        for (double r : wrapper_rate)
          s += (s.empty() ? "" : "/") + std::to_string(static_cast<long>(r));
        return s;
      }()
          .c_str(),
      static_cast<unsigned long long>(raw_queue_full),
      static_cast<unsigned long long>(wrapper_queue_full));
  return 0;
}
