#include "codec/swap_encoder.hpp"

#include "codec/json_writer.hpp"

namespace tokenflow::codec {
namespace {

void append_address(std::string& out, const core::Address& address) {
  char buf[core::Address::kTextSize];
  address.write_hex(buf);
  out.push_back('"');
  out.append(buf, sizeof buf);
  out.push_back('"');
}

}  // namespace

void encode_swap(const core::Swap& s, std::string& out) {
  out.clear();
  char buf[core::Uint256::kMaxDecimalDigits];
  out.append("{\"id\":");
  append_json_string(out, s.id.value);
  out.append(",\"timestamp\":\"");
  out.append(buf, core::write_iso8601(s.timestamp, buf));
  out.append("\",\"token\":");
  append_address(out, s.token);
  out.append(",\"trader\":");
  append_address(out, s.trader);
  out.append(s.side == core::SwapSide::buy ? ",\"side\":\"buy\"" : ",\"side\":\"sell\"");
  out.append(",\"amount\":\"");
  out.append(buf, s.amount.write_decimal(buf));
  out.append("\",\"amount_usd\":\"");
  core::append_usd(out, s.amount_usd);
  out.push_back('"');
  if (s.pool) {
    out.append(",\"pool\":");
    append_address(out, *s.pool);
  }
  if (s.chain_id) {
    out.append(",\"chain_id\":");
    append_uint(out, *s.chain_id);
  }
  if (s.block_number) {
    out.append(",\"block_number\":");
    append_uint(out, *s.block_number);
  }
  out.push_back('}');
}

std::string encode_swap(const core::Swap& swap) {
  std::string out;
  encode_swap(swap, out);
  return out;
}

}  // namespace tokenflow::codec
