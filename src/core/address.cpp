#include "core/address.hpp"

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 60;
  std::string out;
  out.reserve(kShown + 5);
  out.push_back('\'');
  out.append(text.substr(0, kShown));
  out.append(text.size() > kShown ? "...'" : "'");
  return out;
}

}  // namespace

Result<Address> Address::parse(std::string_view text) {
  if (text.size() != kTextSize || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return make_error(errc::invalid_address,
                      quoted(text) + " is not an address: expected 0x followed by 40 hex digits");
  }
  std::array<std::uint8_t, 20> bytes{};
  for (std::size_t i = 0; i < 20; ++i) {
    int hi = hex_value(text[2 + 2 * i]);
    int lo = hex_value(text[3 + 2 * i]);
    if (hi < 0 || lo < 0) {
      return make_error(errc::invalid_address,
                        quoted(text) + " is not an address: expected 0x followed by 40 hex digits, found a non-hex character");
    }
    bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return Address(bytes);
}

void Address::write_hex(char* out) const {
  static constexpr char kDigits[] = "0123456789abcdef";
  out[0] = '0';
  out[1] = 'x';
  for (std::size_t i = 0; i < 20; ++i) {
    out[2 + 2 * i] = kDigits[bytes_[i] >> 4];
    out[3 + 2 * i] = kDigits[bytes_[i] & 0x0f];
  }
}

std::string Address::to_string() const {
  std::string s(kTextSize, '\0');
  write_hex(s.data());
  return s;
}

bool Address::is_zero() const {
  for (auto b : bytes_) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace tokenflow::core
