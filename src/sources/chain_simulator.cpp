#include "sources/chain_simulator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tokenflow::sources {
namespace {

// Share of transfers per symbol on mainnet, roughly as in the sample of
// data/eth-mainnet-token-transfers.csv and public dashboards; others share the rest.
double weight_of(const std::string& symbol) {
  if (symbol == "USDT") return 40;
  if (symbol == "USDC") return 30;
  if (symbol == "DAI") return 6;
  if (symbol == "WETH") return 10;
  return 1;
}

// Swaps need a USD price: the peg where there is one, else a fixed simulated price.
std::uint64_t price_of(const core::TokenInfo& token) {
  if (token.peg_usd_micros) return *token.peg_usd_micros;
  if (token.symbol == "WETH") return 3'000'000'000;
  if (token.symbol == "WBTC") return 60'000'000'000;
  return 1'000'000;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

ChainSimulator::ChainSimulator(const core::TokenRegistry& registry, SimulatorOptions options)
    : options_(options), rng_(options.seed), block_(options.start_block - 1),
      block_time_{options.start_time.value - options.block_time_ms} {
  std::vector<double> weights;
  for (const core::TokenInfo* token : registry.on_chain(options_.chain_id)) {
    tokens_.push_back(
        {token->contract, token->decimals, weight_of(token->symbol), price_of(*token)});
    weights.push_back(tokens_.back().weight);
  }
  if (tokens_.empty()) {
    throw std::invalid_argument("the token registry has no token on chain " +
                                std::to_string(options_.chain_id) + " to simulate");
  }
  token_pick_ = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
  addresses_.reserve(options_.address_pool);
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(options_.address_pool, 2); ++i) {
    std::array<std::uint8_t, 20> bytes{};
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng_());
    bytes[0] |= 0x01;  // never the zero address
    addresses_.emplace_back(bytes);
  }
}

void ChainSimulator::start_block() {
  ++block_;
  if (live_) {
    block_time_ = std::max(core::now_millis(), block_time_);
  } else {
    block_time_.value += options_.block_time_ms;
  }
  // Transfers per block vary a lot on mainnet (tens to several hundred).
  std::uniform_int_distribution<std::uint32_t> spread(options_.mean_transfers_per_block / 4,
                                                      options_.mean_transfers_per_block * 7 / 4);
  left_in_block_ = std::max<std::uint32_t>(1, spread(rng_));
  log_index_ = 0;
  left_in_tx_ = 0;
}

void ChainSimulator::new_transaction() {
  tx_hash_[0] = '0';
  tx_hash_[1] = 'x';
  for (int i = 0; i < 4; ++i) {
    std::uint64_t r = rng_();
    for (int j = 0; j < 16; ++j) tx_hash_[2 + i * 16 + j] = kHexDigits[(r >> (4 * j)) & 0xf];
  }
  // Most transactions move one token once; swaps and routers move several.
  std::uniform_int_distribution<int> size(0, 9);
  int roll = size(rng_);
  left_in_tx_ = roll < 7 ? 1 : (roll < 9 ? 2 : 4);
  log_index_ += static_cast<std::uint32_t>(size(rng_) % 3);  // other logs between transfers
}

std::uint64_t ChainSimulator::draw_cents() {
  // Log-normal in cents: median ~ $150, one in a thousand above ~$1M.
  std::lognormal_distribution<double> cents(std::log(15'000.0), 2.6);
  double drawn = std::min(cents(rng_), 5e13);  // cap at $500B
  return static_cast<std::uint64_t>(drawn) + 1;
}

core::Uint256 ChainSimulator::draw_amount(std::uint8_t decimals) {
  core::Uint256 amount(draw_cents());
  if (decimals >= 2) {
    for (int i = 0; i < decimals - 2; ++i) amount.mul_u64(10);
    // Sub-cent digits, as real 18-decimal amounts have.
    if (decimals > 8) {
      std::uniform_int_distribution<std::uint64_t> dust(0, 999'999);
      amount.add(core::Uint256(dust(rng_)));
    }
  } else {
    amount.divmod_u64(decimals == 1 ? 10 : 100);
  }
  return amount;
}

const core::Address& ChainSimulator::draw_address() {
  // A few addresses (exchanges, routers) are in most transfers: pick them more often.
  std::uniform_int_distribution<std::size_t> any(0, addresses_.size() - 1);
  std::uniform_int_distribution<int> coin(0, 3);
  if (coin(rng_) == 0) return addresses_[any(rng_) % 16];
  return addresses_[any(rng_)];
}

void ChainSimulator::next_event_position() {
  if (left_in_block_ == 0) start_block();
  if (left_in_tx_ == 0) new_transaction();
  --left_in_block_;
  --left_in_tx_;
}

void ChainSimulator::next_swap(core::Swap& out) {
  next_event_position();
  const Token& token = tokens_[token_pick_(rng_)];
  const std::uint64_t cents = draw_cents();
  out.timestamp = block_time_;
  out.token = token.contract;
  out.trader = draw_address();
  out.side = rng_() % 2 == 0 ? core::SwapSide::buy : core::SwapSide::sell;
  out.amount_usd = core::UsdMicros{std::min(cents * 10'000, core::kMaxEventUsdMicros)};
  // amount = usd / price in whole tokens, in base units: cents * 10^decimals * 10^4 / price.
  core::Uint256 amount(cents);
  bool fits = true;
  for (int i = 0; i < token.decimals && fits; ++i) fits = amount.try_mul_u64(10);
  fits = fits && amount.try_mul_u64(10'000);
  if (fits) {
    amount.divmod_u64(token.price_micros);
  } else {
    amount = core::Uint256::max();  // a registry token with absurd decimals
  }
  out.amount = amount;
  out.pool = addresses_[rng_() % std::min<std::size_t>(addresses_.size(), 8)];
  out.chain_id = options_.chain_id;
  out.block_number = block_;
  out.id.value.assign(tx_hash_, sizeof tx_hash_);
  out.id.value.push_back('_');
  out.id.value.append(std::to_string(log_index_));
  ++log_index_;
  ++generated_;
}

void ChainSimulator::next(core::Transfer& out) {
  next_event_position();

  const Token& token = tokens_[token_pick_(rng_)];
  out.block_number = block_;
  out.timestamp = block_time_;
  out.contract_address = token.contract;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double kind = unit(rng_);
  out.from_address = kind < options_.mint_share ? core::Address{} : draw_address();
  out.to_address = (kind >= options_.mint_share && kind < options_.mint_share + options_.burn_share)
                       ? core::Address{}
                       : draw_address();
  out.value = draw_amount(token.decimals);
  out.tx_hash.assign(tx_hash_, sizeof tx_hash_);
  out.log_index = log_index_;
  out.id.value.assign(tx_hash_, sizeof tx_hash_);
  out.id.value.push_back('_');
  out.id.value.append(std::to_string(log_index_));
  out.chain_id = options_.chain_id;
  out.symbol.clear();
  out.decimals.reset();
  ++log_index_;
  ++generated_;
}

}  // namespace tokenflow::sources
