// Alert: one fired rule on one transfer, with everything its outputs show, and its three
// renderings: the JSON message of topic `system.alerts` (DESIGN.md, "Details every role
// shares"), the console block for people, and the one-line chat text of webhooks.
//
// Alerts are rare next to transfers, so an Alert owns its strings; the hot path builds one
// only when a rule fires.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/transfer.hpp"
#include "processors/alerts/alert_rule.hpp"
#include "processors/alerts/alert_rules.hpp"

namespace tokenflow::processors {

struct Alert {
  std::string alert_id;  // "<event id>:<rule>": stable, so a redelivered event is recognised
  AlertRule rule{};
  SizeBasis basis = SizeBasis::none;
  std::string event_id;
  std::string token;   // contract address, lower-case hex (the Kafka key)
  std::string symbol;  // "" when unknown
  std::string value;   // base units, decimal
  std::string amount;  // token units, exact decimal
  std::optional<std::string> usd;  // 6 decimals, truncated; nullopt without a price
  std::string from_address;
  std::string to_address;
  std::uint64_t block_number = 0;
  std::string tx_hash;
  std::optional<std::uint64_t> chain_id;
  core::UnixMillis timestamp{};

  Severity severity() const { return severity_of(rule); }
};

Alert make_alert(const core::Transfer& transfer, const Firing& firing, const TokenView& token);

// The `system.alerts` message: one JSON object, fields in a fixed order.
std::string alert_json(const Alert& alert);

// Several lines for a terminal: severity, symbol, amount with thousands separators, USD,
// from/to shortened, block, transaction. ANSI colour only when `color`.
std::string console_block(const Alert& alert, bool color);

// One line for a terminal that shows other things too (`up`): severity, rule, headline,
// from -> to shortened, block.
std::string console_line(const Alert& alert, bool color);

// One line of Markdown for Slack and Discord.
std::string chat_text(const Alert& alert);

// "0x1234…abcd".
std::string shorten_address(const std::string& address);

}  // namespace tokenflow::processors
