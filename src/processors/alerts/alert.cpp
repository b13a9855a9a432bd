#include "processors/alerts/alert.hpp"

#include "codec/json_writer.hpp"
#include "processors/alerts/unit_conversion.hpp"

namespace tokenflow::processors {
namespace {

void field(std::string& out, std::string_view key, std::string_view text) {
  out.push_back(',');
  codec::append_json_string(out, key);
  out.push_back(':');
  codec::append_json_string(out, text);
}

std::string_view color_of(Severity severity) {
  switch (severity) {
    case Severity::critical: return "\x1b[1;97;41m";  // bold white on red
    case Severity::warning: return "\x1b[1;33m";      // bold yellow
    case Severity::info: return "\x1b[1;36m";         // bold cyan
  }
  return "";
}

std::string headline(const Alert& alert) {
  std::string symbol = alert.symbol.empty() ? shorten_address(alert.token) : alert.symbol;
  std::string line = with_thousands_separators(alert.amount, 2) + " " + symbol;
  if (alert.usd) line += " ($" + with_thousands_separators(*alert.usd, 2) + ")";
  return line;
}

std::string_view rule_title(AlertRule rule) {
  switch (rule) {
    case AlertRule::critical: return "CRITICAL TRANSFER";
    case AlertRule::large: return "LARGE TRANSFER";
    case AlertRule::mint: return "MINT";
    case AlertRule::burn: return "BURN";
    case AlertRule::watch: return "WATCHED ADDRESS";
  }
  return "ALERT";
}

}  // namespace

std::string shorten_address(const std::string& address) {
  if (address.size() <= 12) return address;
  return address.substr(0, 6) + "\xe2\x80\xa6" + address.substr(address.size() - 4);
}

Alert make_alert(const core::Transfer& transfer, const Firing& firing, const TokenView& token) {
  Alert alert;
  alert.rule = firing.rule;
  alert.basis = firing.basis;
  alert.event_id = transfer.id.value;
  alert.alert_id = transfer.id.value + ":" + std::string(rule_name(firing.rule));
  alert.token = transfer.contract_address.to_string();
  alert.symbol = token.info != nullptr ? token.info->symbol : transfer.symbol;
  alert.value = transfer.value.to_decimal();
  alert.amount = token_units_text(transfer.value, token.decimals);
  if (token.price != nullptr) {
    alert.usd = usd_value_text(transfer.value, token.decimals, *token.price, 6);
  }
  alert.from_address = transfer.from_address.to_string();
  alert.to_address = transfer.to_address.to_string();
  alert.block_number = transfer.block_number;
  alert.tx_hash = transfer.tx_hash;
  alert.chain_id = transfer.chain_id;
  alert.timestamp = transfer.timestamp;
  return alert;
}

std::string alert_json(const Alert& alert) {
  std::string out = "{\"alert_id\":";
  out.reserve(512);
  codec::append_json_string(out, alert.alert_id);
  field(out, "rule", rule_name(alert.rule));
  field(out, "severity", severity_name(alert.severity()));
  field(out, "event_id", alert.event_id);
  field(out, "token", alert.token);
  field(out, "symbol", alert.symbol);
  field(out, "value", alert.value);
  field(out, "amount", alert.amount);
  out.append(",\"usd\":");
  if (alert.usd) {
    codec::append_json_string(out, *alert.usd);
  } else {
    out.append("null");
  }
  field(out, "from_address", alert.from_address);
  field(out, "to_address", alert.to_address);
  out.append(",\"block_number\":");
  codec::append_uint(out, alert.block_number);
  field(out, "tx_hash", alert.tx_hash);
  if (alert.chain_id) {
    out.append(",\"chain_id\":");
    codec::append_uint(out, *alert.chain_id);
  }
  field(out, "timestamp", core::to_iso8601(alert.timestamp));
  if (alert.basis != SizeBasis::none) {
    field(out, "threshold", alert.basis == SizeBasis::usd ? "usd" : "tokens");
  }
  out.push_back('}');
  return out;
}

std::string console_block(const Alert& alert, bool color) {
  const std::string_view on = color ? color_of(alert.severity()) : "";
  const std::string_view off = color ? "\x1b[0m" : "";
  std::string out;
  out.append(on).append("[").append(severity_name(alert.severity())).append("] ");
  out.append(rule_title(alert.rule)).append(off).append("  ").append(headline(alert));
  out.append("\n  from ").append(shorten_address(alert.from_address));
  out.append("  to ").append(shorten_address(alert.to_address));
  out.append("\n  block ").append(std::to_string(alert.block_number));
  out.append("  tx ").append(alert.tx_hash.empty() ? alert.event_id : alert.tx_hash);
  out.append("\n  ").append(core::to_iso8601(alert.timestamp)).append("  id ").append(alert.alert_id);
  out.push_back('\n');
  return out;
}

std::string console_line(const Alert& alert, bool color) {
  const std::string_view on = color ? color_of(alert.severity()) : "";
  const std::string_view off = color ? "\x1b[0m" : "";
  std::string out;
  out.append(on).append("[").append(severity_name(alert.severity())).append("] ");
  out.append(rule_title(alert.rule)).append(off).append("  ").append(headline(alert));
  out.append("  ").append(shorten_address(alert.from_address)).append(" -> ");
  out.append(shorten_address(alert.to_address));
  out.append("  block ").append(std::to_string(alert.block_number));
  return out;
}

std::string chat_text(const Alert& alert) {
  std::string out = "*";
  out.append(rule_title(alert.rule)).append("* (").append(severity_name(alert.severity()));
  out.append(") ").append(headline(alert));
  out.append(" from `").append(shorten_address(alert.from_address)).append("` to `");
  out.append(shorten_address(alert.to_address)).append("`, block ");
  out.append(std::to_string(alert.block_number));
  if (!alert.tx_hash.empty()) out.append(", tx `").append(alert.tx_hash).append("`");
  return out;
}

}  // namespace tokenflow::processors
