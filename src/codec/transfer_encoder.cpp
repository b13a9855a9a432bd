#include "codec/transfer_encoder.hpp"

#include "codec/json_writer.hpp"

namespace tokenflow::codec {

void encode_transfer(const core::Transfer& t, std::string& out) {
  out.clear();
  char buf[core::Uint256::kMaxDecimalDigits];
  out.append("{\"id\":");
  append_json_string(out, t.id.value);
  out.append(",\"block_number\":");
  append_uint(out, t.block_number);
  out.append(",\"timestamp\":\"");
  out.append(buf, core::write_iso8601(t.timestamp, buf));
  out.append("\",\"contract_address\":\"");
  t.contract_address.write_hex(buf);
  out.append(buf, core::Address::kTextSize);
  out.append("\",\"from_address\":\"");
  t.from_address.write_hex(buf);
  out.append(buf, core::Address::kTextSize);
  out.append("\",\"to_address\":\"");
  t.to_address.write_hex(buf);
  out.append(buf, core::Address::kTextSize);
  out.append("\",\"value\":\"");
  out.append(buf, t.value.write_decimal(buf));
  out.push_back('"');
  if (t.chain_id) {
    out.append(",\"chain_id\":");
    append_uint(out, *t.chain_id);
  }
  if (!t.tx_hash.empty()) {
    out.append(",\"tx_hash\":");
    append_json_string(out, t.tx_hash);
  }
  if (t.log_index) {
    out.append(",\"log_index\":");
    append_uint(out, *t.log_index);
  }
  if (!t.symbol.empty()) {
    out.append(",\"symbol\":");
    append_json_string(out, t.symbol);
  }
  if (t.decimals) {
    out.append(",\"decimals\":");
    append_uint(out, *t.decimals);
  }
  out.push_back('}');
}

std::string encode_transfer(const core::Transfer& transfer) {
  std::string out;
  encode_transfer(transfer, out);
  return out;
}

}  // namespace tokenflow::codec
