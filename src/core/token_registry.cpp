#include "core/token_registry.hpp"

#include <stdexcept>

namespace tokenflow::core {
namespace {

struct BuiltinToken {
  const char* symbol;
  const char* name;
  std::uint64_t chain_id;
  const char* contract;
  std::uint8_t decimals;
  std::int64_t peg_usd_micros;  // -1: no peg
};

constexpr std::int64_t kDollar = 1'000'000;

// Contract addresses as published by each issuer and shown on the chains' explorers.
constexpr BuiltinToken kBuiltin[] = {
    // Ethereum mainnet
    {"USDC", "USD Coin", 1, "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 6, kDollar},
    {"USDT", "Tether USD", 1, "0xdac17f958d2ee523a2206206994597c13d831ec7", 6, kDollar},
    {"DAI", "Dai Stablecoin", 1, "0x6b175474e89094c44da98b954eedeac495271d0f", 18, kDollar},
    {"BUSD", "Binance USD", 1, "0x4fabb145d64652a948d72533023f6e7a623c7c53", 18, kDollar},
    {"TUSD", "TrueUSD", 1, "0x0000000000085d4780b73119b644ae5ecd22b376", 18, kDollar},
    {"USDP", "Pax Dollar", 1, "0x8e870d67f660d95d5be530380d0ec0bd388289e1", 18, kDollar},
    {"GUSD", "Gemini Dollar", 1, "0x056fd409e1d7a124bd7017459dfea2f387d5d5cd", 2, kDollar},
    {"FRAX", "Frax", 1, "0x853d955acef822db058eb8505911ed77f175b99e", 18, kDollar},
    {"LUSD", "Liquity USD", 1, "0x5f98805a4e8be255a32880fdec7f6728c6568ba0", 18, kDollar},
    {"PYUSD", "PayPal USD", 1, "0x6c3ea9036406852006290770bedfcaba0e23a0e8", 6, kDollar},
    {"USDe", "Ethena USDe", 1, "0x4c9edd5852cd905f086c759e8383e09bff1e68b3", 18, kDollar},
    {"sUSD", "Synth sUSD", 1, "0x57ab1ec28d129707052df4df418d58a2d46d5f51", 18, kDollar},
    {"crvUSD", "Curve.Fi USD Stablecoin", 1, "0xf939e0a03fb07f59a73314e73794be0e57ac1b4e", 18,
     kDollar},
    {"GHO", "Gho Token", 1, "0x40d16fc0246ad3160ccc09b8d0d3a2cd28ae6c2f", 18, kDollar},
    {"USDS", "USDS Stablecoin", 1, "0xdc035d45d973e3ec169d2276ddab16f1e407384f", 18, kDollar},
    {"WETH", "Wrapped Ether", 1, "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", 18, -1},
    {"WBTC", "Wrapped BTC", 1, "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599", 8, -1},
    // Arbitrum One
    {"USDC", "USD Coin", 42161, "0xaf88d065e77c8cc2239327c5edb3a432268e5831", 6, kDollar},
    {"USDT", "Tether USD", 42161, "0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9", 6, kDollar},
    // Polygon PoS
    {"USDC", "USD Coin", 137, "0x3c499c542cef5e3811e1192ce70d8cc03d5c3359", 6, kDollar},
    {"USDT", "Tether USD", 137, "0xc2132d05d31c914a87c6611c10748aeb04b58e8f", 6, kDollar},
    // Base
    {"USDC", "USD Coin", 8453, "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913", 6, kDollar},
};

}  // namespace

TokenRegistry TokenRegistry::builtin() {
  TokenRegistry registry;
  for (const auto& t : kBuiltin) {
    auto contract = Address::parse(t.contract);
    if (!contract.ok()) throw std::logic_error("built-in registry: " + contract.error().message);
    TokenInfo info;
    info.symbol = t.symbol;
    info.name = t.name;
    info.chain_id = t.chain_id;
    info.contract = *contract;
    info.decimals = t.decimals;
    if (t.peg_usd_micros >= 0) info.peg_usd_micros = static_cast<std::uint64_t>(t.peg_usd_micros);
    registry.upsert(std::move(info));
  }
  return registry;
}

void TokenRegistry::upsert(TokenInfo token) {
  Key key{token.contract, token.chain_id};
  if (auto it = index_.find(key); it != index_.end()) {
    tokens_[it->second] = std::move(token);
    return;
  }
  index_.emplace(key, tokens_.size());
  tokens_.push_back(std::move(token));
}

const TokenInfo* TokenRegistry::find(const Address& contract, std::uint64_t chain_id) const {
  auto it = index_.find(Key{contract, chain_id});
  return it == index_.end() ? nullptr : &tokens_[it->second];
}

std::vector<const TokenInfo*> TokenRegistry::on_chain(std::uint64_t chain_id) const {
  std::vector<const TokenInfo*> out;
  for (const auto& t : tokens_) {
    if (t.chain_id == chain_id) out.push_back(&t);
  }
  return out;
}

}  // namespace tokenflow::core
