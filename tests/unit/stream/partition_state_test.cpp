// The statistics' core against a brute-force recomputation: randomised streams with
// duplicates, out-of-order and too-late events, checked window by window as the stream goes,
// and across a save/load in the middle (what a checkpoint and a restart do).
#include "stream/partition_state.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "stream/fingerprint.hpp"

namespace tokenflow::stream {
namespace {

using std::chrono::milliseconds;
using namespace std::chrono_literals;

core::Address address(std::uint64_t n) {
  std::array<std::uint8_t, 20> bytes{};
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
  bytes[19] = 0xab;
  return core::Address(bytes);
}

// Every event's fate and the figures, computed the slow obvious way from DESIGN.md's rules.
class BruteForce {
 public:
  BruteForce(const WindowConfig& config, milliseconds ttl) : config_(config), ttl_(ttl) {}

  Applied apply(const core::Swap& s) {
    const std::int64_t clock = std::max(clock_, s.timestamp.value);
    const std::int64_t slice = std::max<std::int64_t>(1, ttl_.count() / DedupFilter::kSlices);
    auto floor_div = [](std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
    auto remembered = remembered_.find(s.id.value);
    const bool duplicate = remembered != remembered_.end() &&
                           floor_div(remembered->second, slice) >=
                               floor_div(clock, slice) - DedupFilter::kSlices;
    const std::int64_t oldest = config_.bucket_of(core::UnixMillis{clock}) - config_.largest().buckets + 1;
    if (duplicate) return Applied::duplicate;
    if (config_.bucket_of(s.timestamp) < oldest) return Applied::too_late;
    remembered_[s.id.value] = s.timestamp.value;
    accepted_.push_back(s);
    clock_ = clock;
    return Applied::added;
  }

  WindowFigures figures(const core::Address& token, const Window& window) const {
    WindowFigures f;
    const std::int64_t to = config_.bucket_of(core::UnixMillis{clock_});
    const std::int64_t from = to - window.buckets + 1;
    std::set<core::Address> traders;
    for (const auto& s : accepted_) {
      const std::int64_t b = config_.bucket_of(s.timestamp);
      if (s.token != token || b < from || b > to) continue;
      if (s.side == core::SwapSide::buy) {
        f.buy_micros.add(core::Uint256(s.amount_usd.value));
        ++f.buys;
      } else {
        f.sell_micros.add(core::Uint256(s.amount_usd.value));
        ++f.sells;
      }
      traders.insert(s.trader);
      if (f.count() == 1 || s.timestamp < f.first_event) f.first_event = s.timestamp;
      if (f.count() == 1 || s.timestamp > f.last_event) f.last_event = s.timestamp;
    }
    f.traders = traders.size();
    return f;
  }

  std::int64_t clock() const { return clock_; }

 private:
  const WindowConfig& config_;
  milliseconds ttl_;
  std::int64_t clock_ = INT64_MIN;
  std::map<std::string, std::int64_t> remembered_;
  std::vector<core::Swap> accepted_;
};

WindowFigures actual(const PartitionState& state, const WindowConfig& config,
                     const core::Address& token, const Window& window) {
  const TokenWindow* w = state.find(token);
  if (w == nullptr) return {};
  const std::int64_t to = config.bucket_of(state.clock());
  return w->figures(to - window.buckets + 1, to, config.step_ms());
}

void expect_same_figures(const PartitionState& state, const BruteForce& model,
                         const WindowConfig& config, int tokens, const std::string& where) {
  ASSERT_EQ(state.clock().value, model.clock()) << where;
  for (int t = 0; t < tokens; ++t) {
    // The one-pass form an HTTP answer uses agrees with the brute force on every window.
    if (const TokenWindow* w = state.find(address(static_cast<std::uint64_t>(t)))) {
      const std::int64_t to = config.bucket_of(state.clock());
      std::vector<std::int64_t> froms;
      for (const Window& window : config.windows()) froms.push_back(to - window.buckets + 1);
      std::vector<WindowFigures> all(froms.size());
      w->figures(to, froms.data(), froms.size(), config.step_ms(), all.data());
      for (std::size_t i = 0; i < froms.size(); ++i) {
        ASSERT_EQ(all[i], model.figures(address(static_cast<std::uint64_t>(t)), config.windows()[i]))
            << where << ", token " << t << ", one-pass window " << config.windows()[i].name;
      }
    }
    for (const Window& window : config.windows()) {
      const auto expected = model.figures(address(static_cast<std::uint64_t>(t)), window);
      const auto got = actual(state, config, address(static_cast<std::uint64_t>(t)), window);
      ASSERT_EQ(got, expected) << where << ", token " << t << ", window " << window.name
                               << ": count " << got.count() << " vs " << expected.count()
                               << ", traders " << got.traders << " vs " << expected.traders;
    }
  }
}

struct StreamShape {
  std::uint64_t seed;
  int events;
  int tokens;
  double duplicate_share;
  double out_of_order_share;
  milliseconds max_lateness;  // how far back an out-of-order event may be
  milliseconds ttl;
};

void run_stream(const StreamShape& shape) {
  auto config = WindowConfig::make({1min, 5min, 15min}, 5s);
  ASSERT_TRUE(config.ok()) << config.error().message;
  PartitionState state(*config, shape.ttl);
  BruteForce model(*config, shape.ttl);
  std::mt19937_64 rng(shape.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<core::Swap> sent;
  std::int64_t now = 1'717'243'197'000;
  std::map<Applied, int> fates;
  for (int i = 0; i < shape.events; ++i) {
    core::Swap s;
    if (!sent.empty() && unit(rng) < shape.duplicate_share) {
      const std::size_t back = std::min<std::size_t>(sent.size(), 3000);
      s = sent[sent.size() - 1 - rng() % back];
    } else {
      now += static_cast<std::int64_t>(rng() % 400);
      s.id.value = "0x" + std::to_string(shape.seed) + "_" + std::to_string(i);
      s.timestamp.value = now;
      if (unit(rng) < shape.out_of_order_share) {
        s.timestamp.value -= static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(shape.max_lateness.count()));
      }
      s.token = address(rng() % static_cast<std::uint64_t>(shape.tokens));
      s.trader = address(1000 + rng() % 300);
      s.side = rng() % 2 ? core::SwapSide::buy : core::SwapSide::sell;
      // Heavy-tailed USD amounts with all 6 decimals used.
      s.amount_usd.value = rng() % 10 == 0 ? rng() % 1'000'000'000'000'000ULL : rng() % 100'000'000'000ULL;
      sent.push_back(s);
    }
    const Applied expected = model.apply(s);
    const Applied got = state.apply(s, fingerprint(s.id.value));
    ASSERT_EQ(got, expected) << "event " << i << " (" << s.id.value << ")";
    ++fates[got];
    state.set_next_offset(i + 1);
    if (i % 997 == 0) state.evict();  // eviction at any moment changes no figure
    if (i % 1500 == 0) expect_same_figures(state, model, *config, shape.tokens, "event " + std::to_string(i));
    if (i == shape.events / 2) {
      // A checkpoint and a restart: the restored state goes on exactly like the original.
      std::string saved;
      state.save(saved);
      PartitionState restored(*config, shape.ttl);
      ASSERT_TRUE(restored.load(saved));
      EXPECT_EQ(restored.next_offset(), i + 1);
      EXPECT_EQ(restored.token_count(), state.token_count());
      EXPECT_EQ(restored.dedup_size(), state.dedup_size());
      state = std::move(restored);
    }
  }
  expect_same_figures(state, model, *config, shape.tokens, "the end");
  // The stream must have exercised every path.
  EXPECT_GT(fates[Applied::added], 0);
  if (shape.duplicate_share > 0) {
    EXPECT_GT(fates[Applied::duplicate], 0);
  }
  if (shape.max_lateness > 15min) {
    EXPECT_GT(fates[Applied::too_late], 0);
  }
}

TEST(PartitionState, MatchesBruteForceWithDuplicatesAndOutOfOrderEvents) {
  run_stream({1, 20'000, 25, 0.1, 0.2, 20min, 15min});
}

TEST(PartitionState, MatchesBruteForceWhenDuplicatesOutliveTheTtl) {
  // A short ttl: some repeats come after their id was forgotten and count again.
  run_stream({2, 20'000, 10, 0.2, 0.1, 3min, 1min});
}

TEST(PartitionState, MatchesBruteForceInOrderWithManyTokens) {
  run_stream({3, 15'000, 400, 0.05, 0.0, 1min, 15min});
}

TEST(PartitionState, RefusesADamagedOrForeignCheckpoint) {
  auto config = WindowConfig::make({1min}, 5s);
  ASSERT_TRUE(config.ok());
  PartitionState state(*config, 1min);
  core::Swap s;
  s.id.value = "a";
  s.timestamp.value = 1'717'243'197'000;
  s.token = address(1);
  s.amount_usd.value = 5;
  ASSERT_EQ(state.apply(s, fingerprint(s.id.value)), Applied::added);
  std::string saved;
  state.save(saved);
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, saved.size() / 2, saved.size() - 1}) {
    PartitionState other(*config, 1min);
    EXPECT_FALSE(other.load(std::string_view(saved).substr(0, cut))) << "cut at " << cut;
  }
  auto other_step = WindowConfig::make({1min}, 10s);
  ASSERT_TRUE(other_step.ok());
  PartitionState foreign(*other_step, 1min);
  EXPECT_FALSE(foreign.load(saved)) << "buckets of another step cannot be reused";
}

TEST(PartitionState, OverflowingBucketIsRefusedAndLeavesFiguresUnchanged) {
  auto config = WindowConfig::make({1min}, 5s);
  ASSERT_TRUE(config.ok());
  PartitionState state(*config, 1min);
  core::Swap s;
  s.timestamp.value = 1'717'243'197'000;
  s.token = address(1);
  s.amount_usd.value = core::kMaxEventUsdMicros;
  int added = 0;
  for (int i = 0; i < 40; ++i) {
    s.id.value = "big" + std::to_string(i);
    const auto fate = state.apply(s, fingerprint(s.id.value));
    if (fate == Applied::added) ++added;
    if (fate != Applied::added) {
      EXPECT_EQ(fate, Applied::overflow);
    }
  }
  EXPECT_EQ(added, 18);  // 18 * 10^18 fits 64 bits, 19 does not
  const auto f = state.find(address(1))->figures(0, INT64_MAX, 5000);
  EXPECT_EQ(f.buys, 18u);
}

}  // namespace
}  // namespace tokenflow::stream
