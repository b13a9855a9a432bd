#include "core/address.hpp"

#include "core/errc.hpp"
#include "core/hex.hpp"

namespace tokenflow::core {
namespace {

bool has_address_shape(std::string_view text) {
  return text.size() == Address::kTextSize && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
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
  if (!has_address_shape(text)) {
    return make_error(errc::invalid_address,
                      quoted(text) + " is not an address: expected 0x followed by 40 hex digits");
  }
  Address address;
  if (!try_parse(text, address)) {
    return make_error(
        errc::invalid_address,
        quoted(text) +
            " is not an address: expected 0x followed by 40 hex digits, found a non-hex character");
  }
  return address;
}

bool Address::try_parse(std::string_view text, Address& out) noexcept {
  if (!has_address_shape(text)) return false;
  std::array<std::uint8_t, 20> bytes;
  // No branch per digit: kNotHex's high bit survives the OR, so one test covers all 40.
  std::uint8_t seen = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const std::uint8_t hi = hex_value(text[2 + 2 * i]);
    const std::uint8_t lo = hex_value(text[3 + 2 * i]);
    seen |= hi | lo;
    bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  if (seen & 0x80) return false;
  out.bytes_ = bytes;
  return true;
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
