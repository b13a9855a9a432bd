// ops_bench: `tokenflow lag` and `tokenflow replay --to-block` on a topic of 1,000,000
// messages over 12 partitions of the embedded cluster (3 brokers, in this process), the
// real binary against it, each beside a reference measured in the same run.
//
//   ops_bench [--messages N]
//
// 1. lag: wall time of `tokenflow lag --group G --format json` over the 12 partitions (a
//    group that committed half of each). Reference: `tokenflow topics list`, the cheapest
//    command against the same cluster (process start, connection, metadata).
// 2. replay --to-block (a dry run, so it can be repeated): wall time and message reads of
//    the binary search, for a block in the middle of the topic. Reference: reading one whole
//    partition from its start with a plain consumer (what a linear search would cost), and
//    log2 of the partition's length (what a binary search should read per partition).
// Checked before printing: the lag the command reports is the one produced and committed,
// and the offsets replay finds are the first of the block in every partition (each message
// says its block: message i of a partition has block i / 50, so the answer is computable).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "kafka/consumer.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/producer.hpp"
#include "support/child_process.hpp"

namespace {

using namespace tokenflow;
using Clock = std::chrono::steady_clock;
using bench::fail;

constexpr int kPartitions = 12;
constexpr const char* kTopic = "ops-bench";
constexpr const char* kGroup = "ops-bench-group";
constexpr std::int64_t kPerBlock = 50;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

testing::CommandResult run(const std::vector<std::string>& argv) {
  auto result = testing::run_command(argv, std::chrono::minutes(5));
  if (result.exit_code != 0) fail(argv[1] + " exited " + std::to_string(result.exit_code) + ":\n" + result.output);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t messages = 1'000'000;
  const std::string binary = testing::tokenflow_binary();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--messages") messages = std::stoul(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  auto cluster = kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail(cluster.error().message);
  if (auto made = (*cluster)->create_topic(kTopic, kPartitions); !made.ok()) fail(made.error().message);
  const auto client = (*cluster)->client_config();
  const std::string bootstrap = (*cluster)->bootstrap_servers();

  // Each partition's messages carry consecutive blocks: message i of a partition is in
  // block 19,000,000 + i / 50. Small payloads: the embedded cluster keeps ~5 MiB a partition.
  const std::size_t per_partition = messages / kPartitions;
  auto producer = kafka::Producer::create(client, kafka::ProducerOptions{});
  if (!producer.ok()) fail(producer.error().message);
  const auto produce_start = Clock::now();
  for (std::size_t i = 0; i < per_partition; ++i) {
    const std::string payload =
        "{\"block_number\":" + std::to_string(19'000'000 + static_cast<std::int64_t>(i) / kPerBlock) + "}";
    for (int p = 0; p < kPartitions; ++p) {
      if (auto sent = (*producer)->produce(kTopic, core::Partition{p}, "", payload); !sent.ok()) {
        fail(sent.error().message);
      }
    }
  }
  if (auto flushed = (*producer)->flush(std::chrono::minutes(2)); !flushed.ok()) fail(flushed.error().message);
  const double produce_seconds = seconds_since(produce_start);

  // The group commits half of every partition.
  {
    kafka::ConsumerOptions options;
    options.group_id = kGroup;
    options.topics = {kTopic};
    auto consumer = kafka::Consumer::create(client, options);
    if (!consumer.ok()) fail(consumer.error().message);
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    auto assigned = [&] {
      auto now = (*consumer)->assignment();
      return now.ok() ? now->size() : std::size_t{0};
    };
    while (assigned() < kPartitions) {
      if (Clock::now() > deadline) fail("the group was never assigned every partition");
      (void)(*consumer)->poll(std::chrono::milliseconds(100));
    }
    core::Positions half;
    for (int p = 0; p < kPartitions; ++p) {
      half.push_back({kTopic, core::Partition{p}, core::Offset{static_cast<std::int64_t>(per_partition / 2)}});
    }
    if (auto committed = (*consumer)->commit(half); !committed.ok()) fail(committed.error().message);
    (void)(*consumer)->close();
  }
  const std::int64_t expected_lag = static_cast<std::int64_t>(kPartitions * (per_partition - per_partition / 2));

  // 1. lag, and its reference.
  std::vector<double> lag_runs;
  std::vector<double> list_runs;
  for (int r = 0; r < 3; ++r) {
    auto start = Clock::now();
    auto lag = run({binary, "lag", "--kafka-bootstrap", bootstrap, "--group", kGroup, "--format", "json"});
    lag_runs.push_back(seconds_since(start));
    const std::string want = "\"group\":\"" + std::string(kGroup) + "\",\"state\":null,\"members\":null,\"lag\":" +
                             std::to_string(expected_lag) + ",";
    if (lag.output.find(want) == std::string::npos) fail("lag did not report " + want + ":\n" + lag.output);
    start = Clock::now();
    (void)run({binary, "topics", "list", "--kafka-bootstrap", bootstrap});
    list_runs.push_back(seconds_since(start));
  }

  // 2. replay --to-block: the block of message 3/4 of the way into every partition.
  const std::int64_t target_index = static_cast<std::int64_t>(per_partition * 3 / 4);
  const std::int64_t block = 19'000'000 + target_index / kPerBlock;
  const std::int64_t expected_offset = (target_index / kPerBlock) * kPerBlock;
  std::vector<double> replay_runs;
  std::size_t reads = 0;
  for (int r = 0; r < 3; ++r) {
    const auto start = Clock::now();
    auto replay = run({binary, "replay", "--kafka-bootstrap", bootstrap, "--group", kGroup, "--topic", kTopic,
                       "--to-block", std::to_string(block)});
    replay_runs.push_back(seconds_since(start));
    const auto at = replay.output.find(" with ");
    if (at == std::string::npos) fail("replay did not say how many messages it read:\n" + replay.output);
    reads = std::stoul(replay.output.substr(at + 6));
    for (int p = 0; p < kPartitions; ++p) {
      // "ops-bench  <p>  <log start> <log end> <kafka> <new> ..." : the NEW column.
      const std::string row_start = std::string(kTopic) + std::string(24 - std::string(kTopic).size(), ' ') +
                                    std::to_string(p) + " ";
      const auto row = replay.output.find(row_start);
      if (row == std::string::npos) fail("no row for partition " + std::to_string(p) + ":\n" + replay.output);
      std::vector<std::string> columns;
      std::size_t i = row;
      const std::size_t end = replay.output.find('\n', row);
      while (i < end) {
        while (i < end && replay.output[i] == ' ') ++i;
        std::size_t j = i;
        while (j < end && replay.output[j] != ' ') ++j;
        if (j > i) columns.push_back(replay.output.substr(i, j - i));
        i = j;
      }
      if (columns.size() < 6 || std::stoll(columns[5]) != expected_offset) {
        fail("partition " + std::to_string(p) + ": replay found offset " + (columns.size() > 5 ? columns[5] : "?") +
             ", the block starts at " + std::to_string(expected_offset));
      }
    }
  }

  // The reference: one whole partition read from its start.
  kafka::ConsumerOptions options;
  options.group_id = "ops-bench-linear";
  options.topics = {kTopic};
  auto linear = kafka::Consumer::create(client, options);
  if (!linear.ok()) fail(linear.error().message);
  std::size_t read_in_partition0 = 0;
  Clock::time_point linear_start{};
  double linear_seconds = 0;
  const auto deadline = Clock::now() + std::chrono::minutes(3);
  std::size_t total = 0;
  while (read_in_partition0 < per_partition) {
    if (Clock::now() > deadline) fail("the linear reference did not finish in 3 minutes");
    auto message = (*linear)->poll(std::chrono::milliseconds(100));
    if (!message || message->is_error()) continue;
    if (total++ == 0) linear_start = Clock::now();
    if (message->partition().value == 0) ++read_in_partition0;
  }
  linear_seconds = seconds_since(linear_start) * static_cast<double>(read_in_partition0) / static_cast<double>(total);
  (void)(*linear)->close();

  const double log2_length = std::log2(static_cast<double>(per_partition));
  std::printf("ops_bench: %s messages over %d partitions of the embedded cluster (3 brokers), produced in %.1f s; load %s\n\n",
              bench::with_commas(per_partition * kPartitions).c_str(), kPartitions, produce_seconds,
              bench::load_average().c_str());
  std::printf("| figure | value | reference (same run) | ratio |\n|---|---|---|---|\n");
  std::printf("| `lag` over 12 partitions, wall (median of 3) | %.2f s | `topics list`: %.2f s | %.1fx |\n",
              bench::median(lag_runs), bench::median(list_runs), bench::median(lag_runs) / bench::median(list_runs));
  std::printf("| `replay --to-block` dry run, wall (median of 3) | %.2f s | one partition read linearly: %.2f s | %.2fx |\n",
              bench::median(replay_runs), linear_seconds, bench::median(replay_runs) / linear_seconds);
  std::printf("| message reads of the block search, 12 partitions | %zu (%.1f a partition) | log2(%s) = %.1f a partition | %.2fx |\n",
              reads, static_cast<double>(reads) / kPartitions, bench::with_commas(per_partition).c_str(), log2_length,
              static_cast<double>(reads) / kPartitions / log2_length);
  std::printf("\nchecked: lag reported %s messages (the produced minus the committed); replay found offset %lld, the "
              "first of block %lld, in every partition\n",
              bench::with_commas(static_cast<std::uint64_t>(expected_lag)).c_str(),
              static_cast<long long>(expected_offset), static_cast<long long>(block));
  return 0;
}
