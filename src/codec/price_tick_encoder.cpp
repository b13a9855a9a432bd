#include "codec/price_tick_encoder.hpp"

#include "codec/json_writer.hpp"

namespace tokenflow::codec {
namespace {

void append_decimal_field(std::string& out, const char* name, const core::Decimal& value) {
  char buf[core::Decimal::kMaxTextSize];
  out.append(",\"").append(name).append("\":\"");
  out.append(buf, value.write(buf));
  out.push_back('"');
}

}  // namespace

void encode_price_tick(const core::PriceTick& t, std::string& out) {
  out.clear();
  out.append("{\"id\":");
  append_json_string(out, t.id.empty() ? core::price_tick_id(t.source, t.asset, t.timestamp) : t.id);
  out.append(",\"asset\":");
  append_json_string(out, t.asset);
  if (!t.symbol.empty()) {
    out.append(",\"symbol\":");
    append_json_string(out, t.symbol);
  }
  append_decimal_field(out, "price_usd", t.price_usd);
  char time[core::kIsoMaxSize];
  out.append(",\"timestamp\":\"");
  out.append(time, core::write_iso8601(t.timestamp, time));
  out.append("\",\"source\":");
  append_json_string(out, t.source);
  if (t.chain_id) {
    out.append(",\"chain_id\":");
    append_uint(out, *t.chain_id);
  }
  if (t.contract_address) {
    char hex[core::Address::kTextSize];
    t.contract_address->write_hex(hex);
    out.append(",\"contract_address\":\"").append(hex, sizeof hex).push_back('"');
  }
  if (t.volume_24h_usd) append_decimal_field(out, "volume_24h_usd", *t.volume_24h_usd);
  if (t.change_24h_pct) {
    out.append(",\"change_24h_pct\":\"");
    if (t.change_24h_pct->negative) out.push_back('-');
    char buf[core::Decimal::kMaxTextSize];
    out.append(buf, t.change_24h_pct->magnitude.write(buf));
    out.push_back('"');
  }
  if (t.liquidity_usd) append_decimal_field(out, "liquidity_usd", *t.liquidity_usd);
  out.push_back('}');
}

std::string encode_price_tick(const core::PriceTick& tick) {
  std::string out;
  encode_price_tick(tick, out);
  return out;
}

}  // namespace tokenflow::codec
