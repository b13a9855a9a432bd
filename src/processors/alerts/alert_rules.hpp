// AlertRules: which rules a transfer fires, decided in exact integer arithmetic.
//
// Every threshold is turned into base units per token when the rules are built and again
// when the token's price changes (unit_conversion.hpp), so evaluate() is a registry lookup
// and a few 256-bit comparisons: no allocation, no division, no float.
//
// Prices: a token's USD price is its registry peg until a price tick says otherwise
// (set_price). A token with neither has no USD rules; the token-units rule still applies.
// Tokens not in the registry are counted by the caller and, with alert_unknown_tokens, get
// the token-units rule only (decimals from the event, else unknown_decimals).
//
// Lifecycle: built once, then used by one thread (the monitor's loop).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/address.hpp"
#include "core/decimal.hpp"
#include "core/timestamp.hpp"
#include "core/token_registry.hpp"
#include "core/transfer.hpp"
#include "processors/alerts/alert_rule.hpp"

namespace tokenflow::processors {

struct AlertRulesOptions {
  core::Decimal large_usd = core::Decimal::from_integer(1'000'000);
  core::Decimal critical_usd = core::Decimal::from_integer(10'000'000);
  std::optional<core::Decimal> min_tokens{};  // the plain ">= N tokens" rule; none by default
  bool mints = true;
  bool burns = true;
  std::vector<core::Address> watch{};
  bool alert_unknown_tokens = false;
  std::uint8_t unknown_decimals = 18;
};

// Why a size alert fired: the USD value or the token amount crossed its threshold.
enum class SizeBasis : std::uint8_t { none, usd, tokens };

struct Firing {
  AlertRule rule{};
  SizeBasis basis = SizeBasis::none;
};

// What evaluate() found out about the transfer's token.
struct TokenView {
  const core::TokenInfo* info = nullptr;  // nullptr: not in the registry
  std::uint8_t decimals = 18;
  const core::Decimal* price = nullptr;   // nullptr: no USD price known
};

class AlertRules {
 public:
  AlertRules(AlertRulesOptions options, const core::TokenRegistry& registry);

  // The rules `transfer` fires, in the order critical|large, mint, burn, watch; returns how
  // many were written into `out`.
  std::size_t evaluate(const core::Transfer& transfer, std::array<Firing, 4>& out,
                       TokenView& token) const;

  // A price tick for one registry token: applies when not older than the price it replaces
  // (ticks may arrive out of order across partitions). Returns false when ignored as stale.
  bool set_price(const core::TokenInfo& token, const core::Decimal& price_usd,
                 core::UnixMillis as_of);

  const AlertRulesOptions& options() const noexcept { return options_; }

 private:
  struct TokenRules {
    std::optional<core::Decimal> price;
    std::optional<core::UnixMillis> price_as_of;  // nullopt: the peg
    std::optional<core::Uint256> large;            // base units; nullopt: unreachable
    std::optional<core::Uint256> critical;
    std::optional<core::Uint256> min_tokens;
  };
  void recompute(const core::TokenInfo& token, TokenRules& rules) const;
  const std::optional<core::Uint256>& unknown_token_threshold(std::uint8_t decimals) const;

  AlertRulesOptions options_;
  const core::TokenRegistry& registry_;
  std::unordered_map<const core::TokenInfo*, TokenRules> tokens_;
  std::unordered_set<core::Address, core::AddressHash> watch_;
  // The token-units threshold for unknown tokens, per decimals (computed on first use).
  mutable std::array<std::optional<std::optional<core::Uint256>>, 78> unknown_thresholds_{};
};

}  // namespace tokenflow::processors
