// TokenRegistry: what tokenflow knows about a token contract (symbol, decimals, USD peg).
// Built in: the major stablecoins (and WETH/WBTC, unpegged) on Ethereum mainnet and the
// largest L2s; a registry file (codec/token_registry_file) adds or overrides entries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/address.hpp"
#include "core/decimal.hpp"

namespace tokenflow::core {

inline constexpr std::uint64_t kEthereumMainnet = 1;

struct TokenInfo {
  std::string symbol;
  std::string name;
  std::uint64_t chain_id = kEthereumMainnet;
  Address contract;
  std::uint8_t decimals = 18;
  // The price a stablecoin is pegged to, in millionths of a USD (1 USD = 1,000,000);
  // absent for tokens whose price only comes from price ticks.
  std::optional<std::uint64_t> peg_usd_micros;
  // This token's own alert thresholds (`tokenflow alerts`), overriding the command line's:
  // USD amounts for the large and critical rules, token units for the plain-size rule.
  std::optional<Decimal> large_transfer_usd;
  std::optional<Decimal> critical_transfer_usd;
  std::optional<Decimal> min_tokens;
};

class TokenRegistry {
 public:
  // The built-in registry (see token_registry.cpp for the list and its sources).
  static TokenRegistry builtin();

  // Adds a token or replaces the one with the same chain and contract.
  void upsert(TokenInfo token);

  // A transfer without chain_id is taken to be on Ethereum mainnet.
  const TokenInfo* find(const Address& contract, std::uint64_t chain_id = kEthereumMainnet) const;
  const std::vector<TokenInfo>& tokens() const { return tokens_; }
  std::vector<const TokenInfo*> on_chain(std::uint64_t chain_id) const;

 private:
  struct Key {
    Address contract;
    std::uint64_t chain_id;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      return AddressHash{}(k.contract) ^ (k.chain_id * 0x9e3779b97f4a7c15ULL);
    }
  };
  std::vector<TokenInfo> tokens_;
  std::unordered_map<Key, std::size_t, KeyHash> index_;
};

}  // namespace tokenflow::core
