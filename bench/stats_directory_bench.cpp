// stats_directory_bench: what the statistics directory (which instance holds which token)
// costs, each figure beside a reference measured in the same run (BENCHMARKS.md):
//
//  1. catch-up: a new instance reading the directory of T tokens (one record per token and
//     one per partition, as an instance holding them all publishes on assignment), records
//     per second until caught up, beside a bare reader of the same messages (TopicFollower,
//     no parsing, no map): the directory's own cost on top of Kafka's.
//  2. bytes per token record on the wire (key + value), the directory's memory per token.
//  3. lookup: StatsDirectory::elsewhere() per request (what a redirect adds to an answer),
//     beside StatsStore::token_stats() answering a token held here.
//
//   stats_directory_bench [--tokens T] [--partitions P]
//
// Before printing, every token is checked: the new instance locates it in exactly the
// partition that holds it, at the publisher's URL.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "bench_support.hpp"
#include "kafka/admin.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/topic_follower.hpp"
#include "processors/stats/stats_directory.hpp"
#include "stream/fingerprint.hpp"

namespace tb = tokenflow::bench;
using namespace tokenflow;
using Clock = std::chrono::steady_clock;

namespace {

core::Address token_of(std::uint64_t n) {
  std::array<std::uint8_t, 20> bytes{};
  for (int i = 0; i < 8; ++i) bytes[12 + i] = static_cast<std::uint8_t>(n >> (8 * (7 - i)));
  bytes[0] = 0x7f;
  return core::Address(bytes);
}

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t tokens = 100'000;
  int partitions = 6;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--tokens") == 0) tokens = std::stoull(argv[i + 1]);
    if (std::strcmp(argv[i], "--partitions") == 0) partitions = std::stoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  const std::string topic = "tokenflow.stats.directory";
  auto cluster = kafka::EmbeddedCluster::create(1);
  if (!cluster.ok() || !(*cluster)->create_topic(topic, 1).ok()) {
    std::fprintf(stderr, "embedded cluster failed\n");
    return 1;
  }
  const kafka::ClientConfig config = (*cluster)->client_config();
  auto windows = stream::WindowConfig::parse("5m,1h,24h", "5s");
  const processors::StatsSettings settings{*windows, std::chrono::hours(24), std::chrono::seconds(5),
                                           false};

  // The publisher: one instance holding every token, in `partitions` states.
  processors::StatsStore publisher_store(settings);
  processors::DirectoryOptions options;
  options.group = "bench";
  options.swaps_topic = "defi.swaps";
  options.instance = "publisher";
  auto publisher = processors::StatsDirectory::create(options, config, publisher_store);
  if (!publisher.ok()) {
    std::fprintf(stderr, "%s\n", publisher.error().message.c_str());
    return 1;
  }
  {
    auto lock = publisher_store.update();
    for (int p = 0; p < partitions; ++p) {
      auto state = std::make_unique<stream::PartitionState>(settings.windows, settings.dedup_ttl);
      for (std::uint64_t t = static_cast<std::uint64_t>(p); t < tokens;
           t += static_cast<std::uint64_t>(partitions)) {
        core::Swap s;
        s.id.value = "0xbench" + std::to_string(t);
        s.timestamp = core::UnixMillis{1'717'243'197'000};
        s.token = token_of(t);
        s.trader = token_of(t + 1'000'000'000);
        s.amount_usd.value = 1'000'000;
        (void)state->apply(s, stream::fingerprint(s.id.value));
      }
      publisher_store.install({processors::Input::swaps, p}, std::move(state));
    }
  }
  const std::uint64_t records = tokens + static_cast<std::uint64_t>(partitions);
  (*publisher)->start("http://publisher:8080");
  auto admin = kafka::Admin::create(config);
  const auto published_by = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < published_by) {
    auto high = (*admin)->high_watermark(topic, core::Partition{0});
    if (high.ok() && static_cast<std::uint64_t>(high->value) >= records) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (*publisher)->stop();

  // Reference: a bare reader of the same messages.
  std::uint64_t bytes = 0, raw_read = 0;
  auto t0 = Clock::now();
  {
    auto follower = kafka::TopicFollower::create(config, topic);
    if (!follower.ok()) return 1;
    while (!(*follower)->caught_up() && seconds_since(t0) < 120) {
      if (auto m = (*follower)->poll(std::chrono::milliseconds(100))) {
        bytes += m->key().size() + m->payload().size();
        ++raw_read;
      }
    }
  }
  const double raw_s = seconds_since(t0);

  // A new instance reading the directory.
  processors::StatsStore reader_store(settings);
  options.instance = "reader";
  auto reader = processors::StatsDirectory::create(options, config, reader_store);
  if (!reader.ok()) return 1;
  t0 = Clock::now();
  (*reader)->start("http://reader:8080");
  while (!(*reader)->caught_up() && seconds_since(t0) < 120) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double directory_s = seconds_since(t0);

  // The answer is checked before any figure is printed.
  std::uint64_t located = 0;
  for (std::uint64_t t = 0; t < tokens; ++t) {
    const auto where = (*reader)->elsewhere(token_of(t));
    located += where.size() == 1 && where[0].url == "http://publisher:8080" && where[0].fresh &&
               where[0].key.partition == static_cast<int>(t % static_cast<std::uint64_t>(partitions));
  }
  if (raw_read != records || located != tokens) {
    std::fprintf(stderr, "wrong answer: read %llu of %llu records, located %llu of %llu tokens\n",
                 static_cast<unsigned long long>(raw_read), static_cast<unsigned long long>(records),
                 static_cast<unsigned long long>(located), static_cast<unsigned long long>(tokens));
    return 1;
  }
  constexpr int kLookups = 1'000'000;
  t0 = Clock::now();
  std::uint64_t found = 0;
  for (int i = 0; i < kLookups; ++i) {
    found += (*reader)->elsewhere(token_of(static_cast<std::uint64_t>(i) % tokens)).size();
  }
  const double lookup_ns = seconds_since(t0) * 1e9 / kLookups;
  std::string body;
  processors::StateKeys held;
  t0 = Clock::now();
  for (int i = 0; i < kLookups; ++i) {
    found += publisher_store.token_stats(token_of(static_cast<std::uint64_t>(i) % tokens), body,
                                         held) == processors::TokenAnswer::found;
  }
  const double answer_ns = seconds_since(t0) * 1e9 / kLookups;
  if (found != 2ull * kLookups) {
    std::fprintf(stderr, "wrong answer: %llu lookups found\n", static_cast<unsigned long long>(found));
    return 1;
  }
  (*reader)->stop();

  std::printf("stats_directory_bench: %s tokens in %d partitions, %s records, embedded cluster "
              "(1 broker), load %s\n",
              tb::with_commas(tokens).c_str(), partitions, tb::with_commas(records).c_str(),
              tb::load_average().c_str());
  std::printf("| figure | measured | reference (same run) | ratio |\n|---|---|---|---|\n");
  std::printf("| directory catch-up | %.0f records/s (%.2f s) | bare reader: %.0f records/s (%.2f s) | %.2f |\n",
              static_cast<double>(records) / directory_s, directory_s,
              static_cast<double>(records) / raw_s, raw_s, raw_s / directory_s);
  std::printf("| bytes per record on the wire | %.1f B (key + value) | | |\n",
              static_cast<double>(bytes) / static_cast<double>(records));
  std::printf("| elsewhere() per request | %.0f ns | token_stats() of a token held here: %.0f ns | %.2f |\n",
              lookup_ns, answer_ns, lookup_ns / answer_ns);
  return 0;
}
