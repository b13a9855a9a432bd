#include "processors/alerts/alert_rules.hpp"

#include "processors/alerts/unit_conversion.hpp"

namespace tokenflow::processors {

AlertRules::AlertRules(AlertRulesOptions options, const core::TokenRegistry& registry)
    : options_(std::move(options)), registry_(registry) {
  for (const auto& token : registry_.tokens()) {
    TokenRules rules;
    if (token.peg_usd_micros) {
      rules.price = core::Decimal{core::Uint256(*token.peg_usd_micros), 6};
    }
    recompute(token, rules);
    tokens_.emplace(&token, std::move(rules));
  }
  watch_.insert(options_.watch.begin(), options_.watch.end());
}

void AlertRules::recompute(const core::TokenInfo& token, TokenRules& rules) const {
  rules.large.reset();
  rules.critical.reset();
  if (rules.price) {
    rules.large = base_units_reaching_usd(token.large_transfer_usd.value_or(options_.large_usd),
                                          *rules.price, token.decimals);
    rules.critical = base_units_reaching_usd(
        token.critical_transfer_usd.value_or(options_.critical_usd), *rules.price,
        token.decimals);
  }
  rules.min_tokens.reset();
  if (const auto& tokens = token.min_tokens ? token.min_tokens : options_.min_tokens) {
    rules.min_tokens = base_units_reaching_tokens(*tokens, token.decimals);
  }
}

bool AlertRules::set_price(const core::TokenInfo& token, const core::Decimal& price_usd,
                           core::UnixMillis as_of) {
  auto it = tokens_.find(&token);
  if (it == tokens_.end()) return false;
  auto& rules = it->second;
  if (rules.price_as_of && as_of < *rules.price_as_of) return false;
  rules.price = price_usd;
  rules.price_as_of = as_of;
  recompute(token, rules);
  return true;
}

const std::optional<core::Uint256>& AlertRules::unknown_token_threshold(
    std::uint8_t decimals) const {
  auto& slot = unknown_thresholds_[std::min<std::size_t>(decimals, 77)];
  if (!slot) slot = base_units_reaching_tokens(*options_.min_tokens, decimals);
  return *slot;
}

std::size_t AlertRules::evaluate(const core::Transfer& transfer, std::array<Firing, 4>& out,
                                 TokenView& token) const {
  std::size_t fired = 0;
  token = TokenView{};
  token.info = registry_.find(transfer.contract_address, transfer.chain_id.value_or(core::kEthereumMainnet));
  if (token.info != nullptr) {
    token.decimals = token.info->decimals;
    const auto& rules = tokens_.at(token.info);
    if (rules.price) token.price = &*rules.price;
    if (rules.critical && transfer.value >= *rules.critical) {
      out[fired++] = {AlertRule::critical, SizeBasis::usd};
    } else if (rules.large && transfer.value >= *rules.large) {
      out[fired++] = {AlertRule::large, SizeBasis::usd};
    } else if (rules.min_tokens && transfer.value >= *rules.min_tokens) {
      out[fired++] = {AlertRule::large, SizeBasis::tokens};
    }
  } else {
    token.decimals = transfer.decimals.value_or(options_.unknown_decimals);
    if (options_.alert_unknown_tokens && options_.min_tokens) {
      const auto& threshold = unknown_token_threshold(token.decimals);
      if (threshold && transfer.value >= *threshold) {
        out[fired++] = {AlertRule::large, SizeBasis::tokens};
      }
    }
  }
  if (options_.mints && transfer.is_mint()) out[fired++] = {AlertRule::mint, SizeBasis::none};
  if (options_.burns && transfer.is_burn()) out[fired++] = {AlertRule::burn, SizeBasis::none};
  if (!watch_.empty() &&
      (watch_.contains(transfer.from_address) || watch_.contains(transfer.to_address))) {
    out[fired++] = {AlertRule::watch, SizeBasis::none};
  }
  return fired;
}

}  // namespace tokenflow::processors
