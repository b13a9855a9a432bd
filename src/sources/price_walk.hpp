// PriceWalk: simulated price ticks of the registry's tokens, for `produce simulate --prices`
// and `tokenflow up`: each token's price follows a random walk (stablecoins pulled back to
// their peg, WETH and WBTC free), quoted by a few sources that disagree slightly (a bias of
// their own and noise), with now and then a stablecoin depegging for a while and recovering.
// So the consumers of market.prices (the Redis cache, the price history, the dashboard, the
// analytics) have prices to work on with the shapes real ones have.
//
// Ticks come round by round: every token from every source, then the walk steps. Timestamps
// strictly increase per asset and source, so every tick's id is new. Deterministic for a
// seed when timestamps do not follow the wall clock.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/price_tick.hpp"
#include "core/token_registry.hpp"

namespace tokenflow::sources {

struct PriceWalkOptions {
  std::uint64_t seed = 1;
  std::uint64_t chain_id = core::kEthereumMainnet;
  // Time between rounds when timestamps are simulated (live: the wall clock).
  std::int64_t round_millis = 1000;
  // Chance per round that a pegged token starts to depeg (off its peg by 0.5%..5%, for 20..120
  // rounds).
  double depeg_chance = 0.002;
};

// The sources the simulator quotes from (named so they are never taken for the real APIs).
inline constexpr const char* kSimulatedPriceSources[] = {"sim-coingecko", "sim-binance",
                                                         "sim-coinbase"};

class PriceWalk {
 public:
  PriceWalk(const core::TokenRegistry& registry, PriceWalkOptions options);

  // The next tick (the next source of the token, the next token, or a new round).
  void next(core::PriceTick& out);
  // Timestamps from the wall clock from now on (live mode), else start + rounds.
  void follow_wall_clock(bool on) { live_ = on; }

  std::size_t assets() const { return assets_.size(); }
  // Assets whose price is off its peg right now.
  std::size_t depegged() const;

 private:
  struct Asset {
    std::string id;
    std::string symbol;
    core::Address contract;
    double peg = 0;    // 0: not pegged
    double price = 0;  // the "true" price the sources quote around
    double open = 0;   // the price 24 h of rounds ago, roughly: the first one
    double volume = 0;
    int depeg_rounds = 0;  // rounds left off the peg
    double depeg_to = 0;
    std::vector<std::int64_t> last_millis;  // per source: the last timestamp used
  };

  void step();
  std::int64_t timestamp_for(Asset& asset, std::size_t source);

  PriceWalkOptions options_;
  std::mt19937_64 rng_;
  std::vector<Asset> assets_;
  std::vector<double> source_bias_;
  std::size_t asset_at_ = 0;
  std::size_t source_at_ = 0;
  std::int64_t round_millis_;  // the simulated clock of the current round
  bool live_ = false;
};

// `value` as an exact decimal with `scale` fractional digits (rounded half up), for prices
// the simulator made up as doubles: what goes on the wire is then that exact text.
core::Decimal decimal_of(double value, std::uint8_t scale);

}  // namespace tokenflow::sources
