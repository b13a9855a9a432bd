// ChainSimulator: generates a realistic stream of ERC-20 transfers (or DEX swaps of the same
// tokens: next_swap), block by block, for
// `tokenflow produce simulate` and `tokenflow up`. Pure and deterministic for a seed: it
// knows nothing of Kafka; the publishing loop (simulate_source) paces and sends.
//
// What "realistic" means here (compare data/eth-mainnet-token-transfers.csv):
// - tokens from the registry, weighted like mainnet (USDT and USDC dominate);
// - heavy-tailed amounts (log-normal in token units: most are small, a few are millions);
// - mints from and burns to the zero address (a few percent each);
// - monotonically advancing blocks, each with many transfers (tens to hundreds), several
//   transfers per transaction sometimes, ids `<tx_hash>_<log_index>` unique.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "core/token_registry.hpp"
#include "core/swap.hpp"
#include "core/transfer.hpp"

namespace tokenflow::sources {

struct SimulatorOptions {
  std::uint64_t seed = 1;
  std::uint64_t chain_id = core::kEthereumMainnet;
  std::uint64_t start_block = 19'000'000;
  core::UnixMillis start_time{1'700'000'000'000};
  std::uint32_t block_time_ms = 12'000;
  std::uint32_t mean_transfers_per_block = 150;
  std::uint32_t address_pool = 20'000;
  double mint_share = 0.03;
  double burn_share = 0.02;
};

class ChainSimulator {
 public:
  ChainSimulator(const core::TokenRegistry& registry, SimulatorOptions options);

  // Fills `out` with the next transfer (reusing its strings' capacity).
  void next(core::Transfer& out);
  // Fills `out` with the next swap: a registry token bought or sold by a trader of the
  // address pool on one of a few pools, heavy-tailed USD sizes (exact to the cent), the token
  // amount from its peg (unpegged WETH/WBTC at a fixed simulated price).
  void next_swap(core::Swap& out);

  std::uint64_t current_block() const { return block_; }
  std::uint64_t generated() const { return generated_; }
  // Moves block timestamps to follow the wall clock from now on (live mode).
  void follow_wall_clock(bool on) { live_ = on; }

 private:
  struct Token {
    core::Address contract;
    std::uint8_t decimals;
    double weight;
    std::uint64_t price_micros;  // USD per whole token, for swaps
  };
  // Advances block and transaction as a new event needs, and returns the event's id.
  void next_event_position();
  std::uint64_t draw_cents();
  void start_block();
  void new_transaction();
  core::Uint256 draw_amount(std::uint8_t decimals);
  const core::Address& draw_address();

  SimulatorOptions options_;
  std::mt19937_64 rng_;
  std::vector<Token> tokens_;
  std::discrete_distribution<std::size_t> token_pick_;
  std::vector<core::Address> addresses_;
  std::uint64_t block_;
  core::UnixMillis block_time_;
  std::uint32_t left_in_block_ = 0;
  std::uint32_t left_in_tx_ = 0;
  std::uint32_t log_index_ = 0;
  char tx_hash_[66];
  std::uint64_t generated_ = 0;
  bool live_ = false;
};

}  // namespace tokenflow::sources
