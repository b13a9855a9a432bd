#include "sources/price_walk.hpp"

#include <algorithm>
#include <cmath>

#include "core/asset_ids.hpp"
#include "core/timestamp.hpp"

namespace tokenflow::sources {
namespace {

constexpr std::size_t kSources = std::size(kSimulatedPriceSources);
// Per round: how far a free price moves (about 0.1%), and how strongly a pegged one is
// pulled back (a fifth of its distance from the peg) while it wanders by 0.01%.
constexpr double kFreeVolatility = 0.001;
constexpr double kPegVolatility = 0.0001;
constexpr double kPegPull = 0.2;
// Each source's quote: its own bias (up to +-0.05%) and noise (0.02%) around the price.
constexpr double kSourceBias = 0.0005;
constexpr double kSourceNoise = 0.0002;
// Start of the simulated clock when timestamps do not follow the wall clock.
constexpr std::int64_t kSimulatedStart = 1'764'763'200'000;  // 2025-12-03T12:00:00Z

// Unpegged tokens start where the chain simulator prices their swaps.
double start_price(const core::TokenInfo& token) {
  if (token.peg_usd_micros) return static_cast<double>(*token.peg_usd_micros) / 1e6;
  if (token.symbol == "WBTC") return 60'000.0;
  if (token.symbol == "WETH") return 3'000.0;
  return 1.0;
}

// Prices keep six significant fractional digits below a dollar, fewer above it, as the
// APIs print them.
std::uint8_t scale_for(double price) {
  if (price >= 1000) return 2;
  if (price >= 1) return 6;
  return 8;
}

}  // namespace

core::Decimal decimal_of(double value, std::uint8_t scale) {
  const double scaled = std::round(std::max(value, 0.0) * std::pow(10.0, scale));
  return core::Decimal{core::Uint256(static_cast<std::uint64_t>(scaled)), scale};
}

PriceWalk::PriceWalk(const core::TokenRegistry& registry, PriceWalkOptions options)
    : options_(options), rng_(options.seed ^ 0x9e1ce), round_millis_(kSimulatedStart) {
  std::uniform_real_distribution<double> bias(-kSourceBias, kSourceBias);
  for (std::size_t s = 0; s < kSources; ++s) source_bias_.push_back(bias(rng_));
  for (const core::TokenInfo* token : registry.on_chain(options_.chain_id)) {
    Asset asset;
    asset.id = core::asset_id_of_symbol(token->symbol);
    asset.symbol = token->symbol;
    asset.contract = token->contract;
    asset.peg = token->peg_usd_micros ? static_cast<double>(*token->peg_usd_micros) / 1e6 : 0;
    asset.price = start_price(*token);
    asset.open = asset.price;
    asset.volume = 1e6 * std::exp(std::uniform_real_distribution<double>(0, 8)(rng_));
    asset.last_millis.assign(kSources, 0);
    assets_.push_back(std::move(asset));
  }
}

std::size_t PriceWalk::depegged() const {
  return static_cast<std::size_t>(std::count_if(assets_.begin(), assets_.end(),
                                                [](const Asset& a) { return a.depeg_rounds > 0; }));
}

void PriceWalk::step() {
  std::normal_distribution<double> move(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (auto& asset : assets_) {
    if (asset.peg == 0) {
      asset.price *= std::exp(kFreeVolatility * move(rng_));
    } else {
      if (asset.depeg_rounds == 0 && unit(rng_) < options_.depeg_chance) {
        asset.depeg_rounds = 20 + static_cast<int>(unit(rng_) * 100);
        asset.depeg_to = asset.peg * (1 - 0.005 - unit(rng_) * 0.045);
      }
      const double target = asset.depeg_rounds > 0 ? asset.depeg_to : asset.peg;
      if (asset.depeg_rounds > 0) --asset.depeg_rounds;
      asset.price += kPegPull * (target - asset.price) + asset.peg * kPegVolatility * move(rng_);
    }
    asset.volume *= std::exp(0.01 * move(rng_));
  }
  round_millis_ += options_.round_millis;
}

std::int64_t PriceWalk::timestamp_for(Asset& asset, std::size_t source) {
  const std::int64_t clock = live_ ? core::now_millis().value : round_millis_;
  // Strictly increasing per asset and source: a tick's id (source:asset:ms) is never reused.
  const std::int64_t at = std::max(clock, asset.last_millis[source] + 1);
  asset.last_millis[source] = at;
  return at;
}

void PriceWalk::next(core::PriceTick& out) {
  if (assets_.empty()) return;
  if (source_at_ == kSources) {
    source_at_ = 0;
    if (++asset_at_ == assets_.size()) {
      asset_at_ = 0;
      step();
    }
  }
  Asset& asset = assets_[asset_at_];
  const std::size_t source = source_at_++;
  std::normal_distribution<double> noise(0.0, kSourceNoise);
  const double quoted = asset.price * (1 + source_bias_[source] + noise(rng_));
  out.asset = asset.id;
  out.symbol = asset.symbol;
  out.source = kSimulatedPriceSources[source];
  out.price_usd = decimal_of(quoted, scale_for(quoted));
  out.timestamp = core::UnixMillis{timestamp_for(asset, source)};
  out.chain_id = options_.chain_id;
  out.contract_address = asset.contract;
  out.volume_24h_usd = decimal_of(asset.volume, 2);
  const double change = (quoted / asset.open - 1) * 100;
  out.change_24h_pct = core::SignedDecimal{change < 0 && std::abs(change) >= 5e-5,
                                           decimal_of(std::abs(change), 4)};
  out.liquidity_usd.reset();
  out.id = core::price_tick_id(out.source, out.asset, out.timestamp);
}

}  // namespace tokenflow::sources
