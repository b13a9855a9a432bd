// Proves that `tokenflow stats --transfers-topic` counts swaps and transfers together exactly:
// a randomised stream of both (duplicates, events out of order, traders active on both
// sides, mints and burns, tokens with a registry peg and without) gives, for every token and
// every window, the figures of a brute-force recomputation: volumes (transfers at their
// peg, converted here with big integers), counts, buys, sells, transfers, distinct traders,
// first and last event.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/usd.hpp"
#include "stream/window_config.hpp"
#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using boost::multiprecision::cpp_int;

constexpr int kTokens = 8;
constexpr std::int64_t kStepMs = 5000;

// Tokens 0 and 1 have a peg in the test's registry; the others are unknown (0 USD).
struct Peg {
  int decimals;
  std::uint64_t micros;
};
const std::map<int, Peg> kPegs = {{0, {6, 1'000'000}}, {1, {18, 999'800}}};

// value / 10^decimals * peg in micro-USD, half-to-even: the conversion redone independently.
std::uint64_t usd_micros(const core::Uint256& value, const Peg& peg) {
  const cpp_int numerator = cpp_int(value.to_decimal()) * peg.micros;
  const cpp_int denominator = boost::multiprecision::pow(cpp_int(10), static_cast<unsigned>(peg.decimals));
  cpp_int q = numerator / denominator;
  const cpp_int r = numerator % denominator;
  if (r * 2 > denominator || (r * 2 == denominator && (q & 1) != 0)) ++q;
  return static_cast<std::uint64_t>(q);
}

// Transfers among the swaps' traders (so traders are active on both sides), a tenth of them
// mints or burns, with repeats; times in the same span as the swaps, some set back.
std::vector<core::Transfer> make_transfers_among(const SwapStreamShape& shape, std::size_t count) {
  std::mt19937_64 rng(shape.seed * 31 + 7);
  std::vector<core::Transfer> out;
  std::size_t unique = 0;
  while (out.size() < count) {
    if (!out.empty() && rng() % 20 == 0) {
      out.push_back(out[out.size() - 1 - rng() % std::min<std::size_t>(out.size(), 200)]);
      continue;
    }
    core::Transfer t;
    t.id.value = "0xt" + std::to_string(shape.seed) + "_" + std::to_string(unique++);
    t.timestamp.value = shape.start_ms +
                        static_cast<std::int64_t>(rng() % (shape.count * static_cast<std::uint64_t>(shape.step_ms)));
    t.contract_address = test_token(static_cast<int>(rng() % kTokens));
    t.from_address = rng() % 10 == 0 ? core::Address{} : test_token(100'000 + static_cast<int>(rng() % shape.traders));
    t.to_address = rng() % 10 == 0 ? core::Address{} : test_token(100'000 + static_cast<int>(rng() % shape.traders));
    // Up to 10^15 base units: 10^9 USD of a 6-decimal token, 0.001 of an 18-decimal one.
    t.value = core::Uint256(rng() % 1'000'000'000'000ULL);
    t.value.mul_u64(1 + rng() % 1000);
    t.block_number = 1;
    out.push_back(std::move(t));
  }
  return out;
}

struct Expected {
  cpp_int buy, sell, transfer;
  std::uint64_t buys = 0, sells = 0, transfers = 0;
  std::set<core::Address> traders;
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  void saw(std::int64_t t) {
    first = std::min(first, t);
    last = std::max(last, t);
  }
};

std::string usd_text(const cpp_int& micros) {
  std::string out;
  core::append_usd(out, *core::Uint256::from_decimal(micros.str()));
  return out;
}

TEST(StatsCountsSwapsAndTransfers, EveryTokenAndWindowEqualsABruteForceRecomputation) {
  StatsHarness harness(3);
  SwapStreamShape shape;
  shape.count = 8'000;
  shape.seed = 21;
  shape.tokens = kTokens;
  shape.traders = 60;
  shape.step_ms = 60;  // 8 minutes of event time: the 5m window holds part of it
  const auto swaps = make_swaps(shape);
  const auto transfers = make_transfers_among(shape, 4'000);

  const std::string registry = harness.path("registry.json");
  {
    std::ofstream out(registry);
    out << "{\"tokens\":[";
    for (const auto& [t, peg] : kPegs) {
      out << (t == 0 ? "" : ",") << "{\"symbol\":\"T" << t << "\",\"address\":\""
          << test_token(t).to_string() << "\",\"decimals\":" << peg.decimals << ",\"peg_usd\":\""
          << core::to_string(core::UsdMicros{peg.micros}) << "\"}";
    }
    out << "]}";
  }
  const int port = free_loopback_port();
  auto stats = harness.start_stats(port, "both", "both-state",
                                   {"--transfers-topic", kTransfersTopic, "--registry", registry},
                                   "both.log");
  ASSERT_TRUE(harness.wait_ready(port, 30s, stats.get())) << tail_of(*stats);
  harness.produce(swaps);
  harness.produce(transfers);

  // The brute force: every distinct event once (nothing is too late: all inside 24h).
  std::map<std::string, const core::Swap*> unique_swaps;
  for (const auto& s : swaps) unique_swaps.emplace(s.id.value, &s);
  std::map<std::string, const core::Transfer*> unique_transfers;
  for (const auto& t : transfers) unique_transfers.emplace(t.id.value, &t);
  std::size_t unpriced = 0;
  for (const auto& [id, t] : unique_transfers) {
    bool priced = false;
    for (const auto& [n, peg] : kPegs) priced |= t->contract_address == test_token(n);
    unpriced += priced ? 0 : 1;
  }
  const auto total = static_cast<std::int64_t>(unique_swaps.size() + unique_transfers.size());
  const auto deadline = Clock::now() + 30s;
  while (total_count(port, kTokens) != total && Clock::now() < deadline) std::this_thread::sleep_for(200ms);
  ASSERT_EQ(total_count(port, kTokens), total) << tail_of(*stats);

  const auto windows = stream::WindowConfig::parse("5m,1h,24h", "5s");
  ASSERT_TRUE(windows.ok());
  simdjson::dom::parser parser;
  int tokens_with_both = 0;
  for (int n = 0; n < kTokens; ++n) {
    const core::Address token = test_token(n);
    const auto answer = http_get(port, "/v1/tokens/" + token.to_string() + "/stats");
    ASSERT_EQ(answer.status, 200u) << answer.body;
    simdjson::dom::element doc = parser.parse(answer.body);
    const auto as_of = core::parse_iso8601(std::string_view(doc["as_of"].get_string().value()));
    ASSERT_TRUE(as_of.ok());
    // Where the figures came from: the states holding the token, as events put it there.
    const auto held = answer.headers.find("X-Tokenflow-Partitions");
    ASSERT_NE(held, answer.headers.end());
    EXPECT_FALSE(held->second.empty());
    const std::int64_t to = as_of->value / kStepMs;
    bool swapped = false, transferred = false;
    for (const auto& window : windows->windows()) {
      const std::int64_t from = to - window.buckets + 1;
      auto inside = [&](core::UnixMillis t) { return t.value / kStepMs >= from && t.value / kStepMs <= to; };
      Expected want;
      for (const auto& [id, s] : unique_swaps) {
        if (s->token != token || !inside(s->timestamp)) continue;
        (s->side == core::SwapSide::buy ? want.buy : want.sell) += s->amount_usd.value;
        ++(s->side == core::SwapSide::buy ? want.buys : want.sells);
        want.traders.insert(s->trader);
        want.saw(s->timestamp.value);
        swapped = true;
      }
      for (const auto& [id, t] : unique_transfers) {
        if (t->contract_address != token || !inside(t->timestamp)) continue;
        if (auto peg = kPegs.find(n); peg != kPegs.end()) want.transfer += usd_micros(t->value, peg->second);
        ++want.transfers;
        for (const auto* party : {&t->from_address, &t->to_address}) {
          if (!party->is_zero()) want.traders.insert(*party);
        }
        want.saw(t->timestamp.value);
        transferred = true;
      }
      const auto got = doc["windows"][window.name];
      const std::string where = "token " + std::to_string(n) + ", window " + window.name;
      EXPECT_EQ(got["volume_usd"].get_string().value(), usd_text(want.buy + want.sell + want.transfer)) << where;
      EXPECT_EQ(got["buy_volume_usd"].get_string().value(), usd_text(want.buy)) << where;
      EXPECT_EQ(got["sell_volume_usd"].get_string().value(), usd_text(want.sell)) << where;
      EXPECT_EQ(got["count"].get_uint64().value(), want.buys + want.sells + want.transfers) << where;
      EXPECT_EQ(got["buys"].get_uint64().value(), want.buys) << where;
      EXPECT_EQ(got["sells"].get_uint64().value(), want.sells) << where;
      EXPECT_EQ(got["transfers"].get_uint64().value(), want.transfers) << where;
      EXPECT_EQ(got["traders"].get_uint64().value(), want.traders.size()) << where;
      if (want.first <= want.last) {
        EXPECT_EQ(got["first_event"].get_string().value(), core::to_iso8601(core::UnixMillis{want.first})) << where;
        EXPECT_EQ(got["last_event"].get_string().value(), core::to_iso8601(core::UnixMillis{want.last})) << where;
      }
    }
    tokens_with_both += swapped && transferred ? 1 : 0;
  }
  EXPECT_EQ(tokens_with_both, kTokens) << "every token should have both kinds of events";
  const std::string metrics = http_get(port, "/metrics").body;
  EXPECT_EQ(metric_value(metrics, "tokenflow_stats_transfers_unpriced_total"), static_cast<double>(unpriced));
  EXPECT_EQ(metric_value(metrics, "tokenflow_stats_events_applied_total"), static_cast<double>(total));
  EXPECT_EQ(metric_value(metrics, "tokenflow_stats_dead_letters_total"), 0);
  stats->signal(SIGTERM);
  EXPECT_EQ(stats->wait(30s), 0) << tail_of(*stats);
  // Checkpoints are per topic and partition.
  for (int p = 0; p < 3; ++p) {
    for (const char* topic : {kSwapsTopic, kTransfersTopic}) {
      EXPECT_TRUE(std::filesystem::exists(harness.path("both-state") + "/" + topic + "." + std::to_string(p) + ".state"))
          << topic << "[" << p << "]";
    }
  }
}

}  // namespace
}  // namespace tokenflow::testing
