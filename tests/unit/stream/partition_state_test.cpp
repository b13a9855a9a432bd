// The statistics' core against a brute-force recomputation: randomised streams with
// duplicates, out-of-order and too-late events, checked window by window as the stream goes,
// and across a save/load in the middle (what a checkpoint and a restart do).
#include "stream/partition_state.hpp"

#include <gtest/gtest.h>

#include <cstring>
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

// One window of a minute, in 5 s buckets.
const WindowConfig& one_minute() {
  static const WindowConfig config = *WindowConfig::make({1min}, 5s);
  return config;
}

// A buy of `token` by trader 1001 at the tests' start time.
core::Swap swap_of(const std::string& id, std::uint64_t token, std::uint64_t usd_micros) {
  core::Swap s;
  s.id.value = id;
  s.timestamp.value = 1'717'243'197'000;
  s.token = address(token);
  s.trader = address(1001);
  s.amount_usd.value = usd_micros;
  return s;
}

// One event of a test stream: a swap, or a transfer worth `usd`.
struct TestEvent {
  bool is_transfer = false;
  core::Swap swap;
  core::Transfer transfer;
  core::UsdMicros usd;  // a transfer's value

  const std::string& id() const { return is_transfer ? transfer.id.value : swap.id.value; }
  core::UnixMillis timestamp() const { return is_transfer ? transfer.timestamp : swap.timestamp; }
  const core::Address& token() const { return is_transfer ? transfer.contract_address : swap.token; }
  Applied apply_to(PartitionState& state) const {
    return is_transfer ? state.apply(transfer, usd, fingerprint(transfer.id.value))
                       : state.apply(swap, fingerprint(swap.id.value));
  }
};

// Every event's fate and the figures, computed the slow obvious way from DESIGN.md's rules.
class BruteForce {
 public:
  BruteForce(const WindowConfig& config, milliseconds ttl) : config_(config), ttl_(ttl) {}

  Applied apply(const TestEvent& e) {
    const std::int64_t clock = std::max(clock_, e.timestamp().value);
    const std::int64_t slice = std::max<std::int64_t>(1, ttl_.count() / DedupFilter::kSlices);
    auto floor_div = [](std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
    auto remembered = remembered_.find(e.id());
    const bool duplicate = remembered != remembered_.end() &&
                           floor_div(remembered->second, slice) >=
                               floor_div(clock, slice) - DedupFilter::kSlices;
    const std::int64_t oldest = config_.bucket_of(core::UnixMillis{clock}) - config_.largest().buckets + 1;
    if (duplicate) return Applied::duplicate;
    if (config_.bucket_of(e.timestamp()) < oldest) return Applied::too_late;
    remembered_[e.id()] = e.timestamp().value;
    accepted_.push_back(e);
    clock_ = clock;
    return Applied::added;
  }

  // The figures of `token` over buckets [from, to] from the events these models accepted
  // (several: a token's swaps and transfers are in two partitions' states).
  static WindowFigures figures(const std::vector<const BruteForce*>& models,
                               const WindowConfig& config, const core::Address& token,
                               std::int64_t from, std::int64_t to) {
    WindowFigures f;
    std::set<core::Address> traders;
    for (const BruteForce* model : models) {
      for (const auto& e : model->accepted_) {
        const std::int64_t b = config.bucket_of(e.timestamp());
        if (e.token() != token || b < from || b > to) continue;
        if (e.is_transfer) {
          f.transfer_micros.add(core::Uint256(e.usd.value));
          ++f.transfers;
          for (const auto* a : {&e.transfer.from_address, &e.transfer.to_address}) {
            if (!a->is_zero()) traders.insert(*a);
          }
        } else if (e.swap.side == core::SwapSide::buy) {
          f.buy_micros.add(core::Uint256(e.swap.amount_usd.value));
          ++f.buys;
          traders.insert(e.swap.trader);
        } else {
          f.sell_micros.add(core::Uint256(e.swap.amount_usd.value));
          ++f.sells;
          traders.insert(e.swap.trader);
        }
        if (f.count() == 1 || e.timestamp() < f.first_event) f.first_event = e.timestamp();
        if (f.count() == 1 || e.timestamp() > f.last_event) f.last_event = e.timestamp();
      }
    }
    f.traders = traders.size();
    return f;
  }

  WindowFigures figures(const core::Address& token, const Window& window) const {
    const std::int64_t to = config_.bucket_of(core::UnixMillis{clock_});
    return figures({this}, config_, token, to - window.buckets + 1, to);
  }

  std::int64_t clock() const { return clock_; }

 private:
  const WindowConfig& config_;
  milliseconds ttl_;
  std::int64_t clock_ = INT64_MIN;
  std::map<std::string, std::int64_t> remembered_;
  std::vector<TestEvent> accepted_;
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
  double transfer_share = 0;  // the rest are swaps
};

// A random stream of the shape: swaps and transfers (a tenth of them mints or burns) over
// `tokens` tokens and 300 traders, with repeats of earlier events and events set back.
class StreamMaker {
 public:
  explicit StreamMaker(const StreamShape& shape) : shape_(shape), rng_(shape.seed) {}

  TestEvent next() {
    std::uniform_real_distribution<double> unit(0, 1);
    if (!sent_.empty() && unit(rng_) < shape_.duplicate_share) {
      const std::size_t back = std::min<std::size_t>(sent_.size(), 3000);
      return sent_[sent_.size() - 1 - rng_() % back];
    }
    TestEvent e;
    now_ += static_cast<std::int64_t>(rng_() % 400);
    core::UnixMillis t{now_};
    if (unit(rng_) < shape_.out_of_order_share) {
      t.value -= static_cast<std::int64_t>(rng_() % static_cast<std::uint64_t>(shape_.max_lateness.count()));
    }
    const std::string id = "0x" + std::to_string(shape_.seed) + "_" + std::to_string(made_++);
    const core::Address token = address(rng_() % static_cast<std::uint64_t>(shape_.tokens));
    // Heavy-tailed USD amounts with all 6 decimals used.
    const std::uint64_t usd =
        rng_() % 10 == 0 ? rng_() % 1'000'000'000'000'000ULL : rng_() % 100'000'000'000ULL;
    if (unit(rng_) < shape_.transfer_share) {
      e.is_transfer = true;
      e.transfer.id.value = id;
      e.transfer.timestamp = t;
      e.transfer.contract_address = token;
      e.transfer.from_address = rng_() % 20 == 0 ? core::Address{} : address(1000 + rng_() % 300);
      e.transfer.to_address = rng_() % 20 == 0 ? core::Address{} : address(1000 + rng_() % 300);
      e.usd.value = rng_() % 4 == 0 ? 0 : usd;  // some tokens have no price
    } else {
      e.swap.id.value = id;
      e.swap.timestamp = t;
      e.swap.token = token;
      e.swap.trader = address(1000 + rng_() % 300);
      e.swap.side = rng_() % 2 ? core::SwapSide::buy : core::SwapSide::sell;
      e.swap.amount_usd.value = usd;
    }
    sent_.push_back(e);
    return e;
  }

 private:
  StreamShape shape_;
  std::mt19937_64 rng_;
  std::vector<TestEvent> sent_;
  std::int64_t now_ = 1'717'243'197'000;
  std::uint64_t made_ = 0;
};

void run_stream(const StreamShape& shape) {
  auto config = WindowConfig::make({1min, 5min, 15min}, 5s);
  ASSERT_TRUE(config.ok()) << config.error().message;
  PartitionState state(*config, shape.ttl);
  BruteForce model(*config, shape.ttl);
  StreamMaker maker(shape);
  std::map<Applied, int> fates;
  for (int i = 0; i < shape.events; ++i) {
    const TestEvent e = maker.next();
    const Applied expected = model.apply(e);
    const Applied got = e.apply_to(state);
    ASSERT_EQ(got, expected) << "event " << i << " (" << e.id() << ")";
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

TEST(PartitionState, MatchesBruteForceWithTransfersAmongTheSwaps) {
  run_stream({4, 20'000, 20, 0.1, 0.2, 20min, 15min, 0.4});
}

TEST(PartitionState, TransfersCountForTheirTokenByTheirSenderAndReceiver) {
  const WindowConfig& config = one_minute();
  PartitionState state(config, 1min);
  core::Transfer t;
  t.id.value = "0xt_1";
  t.timestamp.value = 1'717'243'197'000;
  t.contract_address = address(7);
  t.from_address = address(1001);
  t.to_address = address(1002);
  ASSERT_EQ(state.apply(t, core::UsdMicros{2'500'000}, fingerprint(t.id.value)), Applied::added);
  EXPECT_EQ(state.apply(t, core::UsdMicros{2'500'000}, fingerprint(t.id.value)), Applied::duplicate);
  t.id.value = "0xt_2";  // a mint: the zero address is nobody
  t.from_address = core::Address{};
  ASSERT_EQ(state.apply(t, core::UsdMicros{0}, fingerprint(t.id.value)), Applied::added);
  const auto f = state.find(address(7))->figures(0, INT64_MAX, 5000);
  EXPECT_EQ(f.transfers, 2u);
  EXPECT_EQ(f.buys + f.sells, 0u);
  EXPECT_EQ(f.count(), 2u);
  EXPECT_EQ(f.transfer_micros, core::Uint256(2'500'000));
  EXPECT_EQ(f.volume_micros(), core::Uint256(2'500'000));
  EXPECT_EQ(f.traders, 2u);  // 1001 and 1002
}

TEST(PartitionState, SwapsAndTransfersInTwoStatesMergeLikeOneBruteForce) {
  // A token's swaps and its transfers are in different partitions' states; an answer adds
  // them with TokenWindow::merged, counting a trader active on both sides once.
  auto config = WindowConfig::make({1min, 5min, 15min}, 5s);
  ASSERT_TRUE(config.ok());
  PartitionState swaps(*config, 15min);
  PartitionState transfers(*config, 15min);
  BruteForce swaps_model(*config, 15min);
  BruteForce transfers_model(*config, 15min);
  StreamMaker maker({5, 20'000, 12, 0.05, 0.2, 20min, 15min, 0.5});
  for (int i = 0; i < 20'000; ++i) {
    const TestEvent e = maker.next();
    PartitionState& state = e.is_transfer ? transfers : swaps;
    BruteForce& model = e.is_transfer ? transfers_model : swaps_model;
    ASSERT_EQ(e.apply_to(state), model.apply(e)) << "event " << i;
    if ((i + 1) % 2500 != 0) continue;
    // As the StatsStore does: the instance's clock is the later of the two states'.
    const std::int64_t to = config->bucket_of(core::UnixMillis{std::max(swaps.clock().value, transfers.clock().value)});
    std::vector<std::int64_t> froms;
    for (const Window& window : config->windows()) froms.push_back(to - window.buckets + 1);
    int both = 0;
    for (int t = 0; t < 12; ++t) {
      const core::Address token = address(static_cast<std::uint64_t>(t));
      const TokenWindow* a = swaps.find(token);
      const TokenWindow* b = transfers.find(token);
      if (a == nullptr || b == nullptr) continue;
      ++both;
      std::vector<WindowFigures> got(froms.size());
      const TokenWindow* const sides[] = {a, b};
      TokenWindow::merged(sides, to, froms.data(), froms.size(), config->step_ms(), got.data());
      for (std::size_t w = 0; w < froms.size(); ++w) {
        const auto want = BruteForce::figures({&swaps_model, &transfers_model}, *config, token, froms[w], to);
        ASSERT_EQ(got[w], want) << "event " << i << ", token " << t << ", window "
                                << config->windows()[w].name << ": traders " << got[w].traders
                                << " vs " << want.traders;
      }
    }
    EXPECT_GT(both, 0);
  }
}

TEST(PartitionState, ReadsAFormatOneCheckpointOfSwapsOnly) {
  // Format 1 (before transfers): 48-byte buckets. Written by hand here as that version did.
  const WindowConfig& config = one_minute();
  PartitionState state(config, 1min);
  core::Swap s = swap_of("a", 1, 5'000'000);
  s.timestamp.value += 123;
  s.side = core::SwapSide::sell;
  ASSERT_EQ(state.apply(s, fingerprint(s.id.value)), Applied::added);
  std::string saved;
  state.save(saved);
  // Format 2 -> 1: the version, and each bucket without transfer_micros and transfers.
  std::string v1 = saved;
  const std::uint32_t one = 1;
  std::memcpy(v1.data(), &one, sizeof one);
  ASSERT_EQ(state.token_count(), 1u);
  // The one token's block ends the state: address, bucket count, its one bucket, the trader
  // count and its one trader slot (16 bytes).
  const std::size_t bucket_at = saved.size() - (8 + 16) - sizeof(Bucket);
  Bucket b;
  std::memcpy(&b, saved.data() + bucket_at, sizeof b);
  struct BucketV1 {
    std::int64_t index;
    std::uint64_t buy_micros, sell_micros;
    std::uint32_t buys, sells, first_ms, last_ms, last_traders;
  } old{b.index, b.buy_micros, b.sell_micros, b.buys, b.sells, b.first_ms, b.last_ms, b.last_traders};
  static_assert(sizeof(BucketV1) == 48);
  v1.replace(bucket_at, sizeof(Bucket), reinterpret_cast<const char*>(&old), sizeof old);
  PartitionState restored(config, 1min);
  ASSERT_TRUE(restored.load(v1));
  const auto f = restored.find(address(1))->figures(0, INT64_MAX, 5000);
  EXPECT_EQ(f.sells, 1u);
  EXPECT_EQ(f.transfers, 0u);
  EXPECT_EQ(f.sell_micros, core::Uint256(5'000'000));
  EXPECT_EQ(f.traders, 1u);
  EXPECT_EQ(f.first_event.value, s.timestamp.value);
}

TEST(PartitionState, RefusesADamagedOrForeignCheckpoint) {
  const WindowConfig& config = one_minute();
  PartitionState state(config, 1min);
  const core::Swap s = swap_of("a", 1, 5);
  ASSERT_EQ(state.apply(s, fingerprint(s.id.value)), Applied::added);
  std::string saved;
  state.save(saved);
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, saved.size() / 2, saved.size() - 1}) {
    PartitionState other(config, 1min);
    EXPECT_FALSE(other.load(std::string_view(saved).substr(0, cut))) << "cut at " << cut;
  }
  auto other_step = WindowConfig::make({1min}, 10s);
  ASSERT_TRUE(other_step.ok());
  PartitionState foreign(*other_step, 1min);
  EXPECT_FALSE(foreign.load(saved)) << "buckets of another step cannot be reused";
}

TEST(PartitionState, OverflowingBucketIsRefusedAndLeavesFiguresUnchanged) {
  const WindowConfig& config = one_minute();
  PartitionState state(config, 1min);
  core::Swap s = swap_of("", 1, core::kMaxEventUsdMicros);
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

namespace tokenflow::stream {
namespace {

TEST(PartitionState, ATokenSpreadOverThreeStatesMergesLikeOneBruteForce) {
  // A producer with another partitioner (or two producers with different ones) may put one
  // token's swaps in several partitions: the answer merges every state holding it.
  auto config = WindowConfig::make({1min, 5min, 15min}, 5s);
  ASSERT_TRUE(config.ok());
  std::vector<PartitionState> states;
  std::vector<BruteForce> models;
  for (int s = 0; s < 3; ++s) {
    states.emplace_back(*config, 15min);
    models.emplace_back(*config, 15min);
  }
  StreamMaker maker({7, 20'000, 10, 0.05, 0.2, 20min, 15min, 0.3});
  for (int i = 0; i < 20'000; ++i) {
    const TestEvent e = maker.next();
    const std::size_t s = e.is_transfer ? 2 : static_cast<std::size_t>(i % 2);
    ASSERT_EQ(e.apply_to(states[s]), models[s].apply(e)) << "event " << i;
    if ((i + 1) % 2500 != 0) continue;
    std::int64_t clock = INT64_MIN;
    for (const auto& state : states) clock = std::max(clock, state.clock().value);
    const std::int64_t to = config->bucket_of(core::UnixMillis{clock});
    std::vector<std::int64_t> froms;
    for (const Window& window : config->windows()) froms.push_back(to - window.buckets + 1);
    int spread = 0;
    for (int t = 0; t < 10; ++t) {
      const core::Address token = address(static_cast<std::uint64_t>(t));
      std::vector<const TokenWindow*> sides;
      for (const auto& state : states) {
        if (const TokenWindow* w = state.find(token)) sides.push_back(w);
      }
      if (sides.size() < 3) continue;
      ++spread;
      std::vector<WindowFigures> got(froms.size());
      TokenWindow::merged(sides, to, froms.data(), froms.size(), config->step_ms(), got.data());
      for (std::size_t w = 0; w < froms.size(); ++w) {
        const auto want = BruteForce::figures({&models[0], &models[1], &models[2]}, *config,
                                              token, froms[w], to);
        ASSERT_EQ(got[w], want) << "event " << i << ", token " << t << ", window "
                                << config->windows()[w].name << ": traders " << got[w].traders
                                << " vs " << want.traders;
      }
    }
    EXPECT_GT(spread, 0);
  }
}

}  // namespace
}  // namespace tokenflow::stream
