// StatsHarness: the real pieces of an end-to-end test of `tokenflow stats`: an embedded Kafka
// cluster in this process with the swaps, transfers, dead-letter and late topics, swaps and
// transfers produced from the test (keyed by token, so partitioned like every producer),
// `tokenflow stats` child processes on free ports, and a small blocking HTTP client for their
// answers.
//
// Lifecycle: one test thread owns a StatsHarness; declare child processes after it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/swap.hpp"
#include "core/transfer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "support/child_process.hpp"

namespace tokenflow::testing {

inline constexpr const char* kSwapsTopic = "defi.swaps";
inline constexpr const char* kTransfersTopic = "stablecoin-transfers";

struct SwapStreamShape {
  std::size_t count = 10'000;
  std::uint64_t seed = 1;
  int tokens = 30;
  int traders = 200;
  double duplicate_share = 0.05;      // re-send an earlier swap
  double out_of_order_share = 0.1;    // time set back by up to max_back
  std::chrono::milliseconds max_back{120'000};
  std::int64_t start_ms = 1'717'243'197'000;  // event time of the first swap (2024-06-01)
  std::int64_t step_ms = 50;                  // event time between swaps
};

// Swaps with unique ids (duplicates are exact repeats), deterministic for the shape.
std::vector<core::Swap> make_swaps(const SwapStreamShape& shape);
core::Address test_token(int n);

struct HttpAnswer {
  unsigned status = 0;  // 0: no answer (connection refused, timeout)
  std::string body;
  std::map<std::string, std::string> headers;
};
// GET http://127.0.0.1:port<target>; from `from_address` (another loopback address, such
// as 127.0.0.2, is another client to the server) when one is given.
HttpAnswer http_get(int port, const std::string& target,
                    const std::map<std::string, std::string>& headers = {},
                    const std::string& from_address = "");

// http_get that follows up to `hops` 307 redirects to other loopback servers, as a client
// behind a load balancer does; `hops_taken` (when given) says how many it followed.
HttpAnswer http_get_following(int port, const std::string& target, int hops = 3,
                              int* hops_taken = nullptr);
// The port of an http://127.0.0.1:PORT/... URL; -1 if it is not one.
int loopback_port_of(const std::string& url);

class StatsHarness {
 public:
  // The swaps and transfers topics get `partitions` partitions each.
  explicit StatsHarness(int partitions = 6);
  ~StatsHarness();

  const std::string& bootstrap() const { return cluster_->bootstrap_servers(); }
  kafka::EmbeddedCluster& cluster() { return *cluster_; }
  int partitions() const { return partitions_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  // Publishes every swap (keyed by token) and waits for Kafka's acknowledgement. With a
  // rate, paces them (swaps per second).
  void produce(const std::vector<core::Swap>& swaps, double rate = 0);
  // Publishes every transfer to the transfers topic (keyed by contract) and waits.
  void produce(const std::vector<core::Transfer>& transfers);
  // Publishes every swap to `topic`, keyed by token, through kcat (a foreign producer:
  // librdkafka's default partitioner, consistent_random, which is CRC32 of the key, and
  // `compression`); waits for kcat to exit. Throws when kcat fails.
  void produce_with_kcat(const std::vector<core::Swap>& swaps, const std::string& topic,
                         const std::string& compression = "snappy");
  // Publishes `payload` as is to `topic` with `key` and waits (for malformed input).
  void produce_raw(const std::string& topic, const std::string& key, const std::string& payload);

  // `tokenflow stats` on `port` with group `group` and state dir path(state), plus `extra`.
  std::unique_ptr<ChildProcess> start_stats(int port, const std::string& group,
                                            const std::string& state,
                                            std::vector<std::string> extra = {},
                                            const std::string& log = "stats.log");
  // Polls /readyz until 200 or the timeout; false if `child` exited meanwhile.
  bool wait_ready(int port, std::chrono::milliseconds timeout, ChildProcess* child = nullptr);

 private:
  void send(const std::string& topic, std::string_view key, std::string_view payload);
  void flush();

  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::unique_ptr<kafka::Producer> producer_;
  int partitions_;
  std::string dir_;
};

// The "count" figure of the window named `window` in a /v1/tokens/{t}/stats body; -1 if absent.
std::int64_t window_count(const std::string& body, const std::string& window);
// The JSON object of window `window`'s figures in an answer (or a WebSocket message); "" if
// absent.
std::string window_figures(const std::string& body, const std::string& window);
// The body from "\"windows\"" on: the figures without "as_of".
std::string figures_of(const std::string& body);
// The value of the unlabelled sample `name` in a /metrics body; -1 if absent.
double metric_value(const std::string& metrics, const std::string& name);
// The sum of `window`'s "count" over tokens test_token(0..tokens-1) answered by `port`.
std::int64_t total_count(int port, int tokens, const std::string& window = "24h");

}  // namespace tokenflow::testing
