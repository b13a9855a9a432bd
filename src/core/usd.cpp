#include "core/usd.hpp"


namespace tokenflow::core {

UsdParse parse_usd(std::string_view text, UsdMicros& out) noexcept {
  if (text.empty()) return UsdParse::invalid;
  std::size_t i = 0;
  std::uint64_t whole = 0;
  std::size_t whole_digits = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return UsdParse::invalid;
    if (whole > (kMaxEventUsdMicros / 1'000'000) / 10 + 1) return UsdParse::out_of_range;
    whole = whole * 10 + static_cast<std::uint64_t>(c - '0');
    ++whole_digits;
  }
  std::uint64_t fraction = 0;
  std::size_t fraction_digits = 0;
  bool rounded = false;
  if (i < text.size()) {  // at the '.'
    ++i;
    if (i == text.size()) return UsdParse::invalid;  // "12." is a typo, not an amount
    int first_dropped = -1;
    bool rest_nonzero = false;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9') return UsdParse::invalid;
      if (fraction_digits < 6) {
        fraction = fraction * 10 + static_cast<std::uint64_t>(c - '0');
      } else if (first_dropped < 0) {
        first_dropped = c - '0';
      } else if (c != '0') {
        rest_nonzero = true;
      }
      ++fraction_digits;
    }
    if (first_dropped >= 0) {
      rounded = true;
      const bool up = first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || (fraction & 1)));
      for (std::size_t d = fraction_digits; d < 6; ++d) fraction *= 10;
      if (up) ++fraction;
      fraction_digits = 6;
    }
  }
  if (whole_digits == 0 && fraction_digits == 0) return UsdParse::invalid;
  for (std::size_t d = fraction_digits; d < 6; ++d) fraction *= 10;
  if (whole > kMaxEventUsdMicros / 1'000'000) return UsdParse::out_of_range;
  const std::uint64_t micros = whole * 1'000'000 + fraction;  // fraction may be 10^6 after rounding
  if (micros > kMaxEventUsdMicros) return UsdParse::out_of_range;
  out.value = micros;
  return rounded ? UsdParse::rounded : UsdParse::ok;
}

void append_usd(std::string& out, Uint256 v) {
  const std::uint64_t fraction = v.divmod_u64(1'000'000);
  char buf[Uint256::kMaxDecimalDigits];
  out.append(buf, v.write_decimal(buf));
  if (fraction == 0) return;
  char digits[7] = {'.', '0', '0', '0', '0', '0', '0'};
  std::uint64_t f = fraction;
  for (int d = 6; d >= 1; --d) {
    digits[d] = static_cast<char>('0' + f % 10);
    f /= 10;
  }
  std::size_t len = 7;
  while (digits[len - 1] == '0') --len;
  out.append(digits, len);
}

std::string to_string(UsdMicros v) {
  std::string out;
  append_usd(out, v);
  return out;
}

}  // namespace tokenflow::core
