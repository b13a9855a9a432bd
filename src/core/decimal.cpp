#include "core/decimal.hpp"

#include <algorithm>

#include "core/errc.hpp"

namespace tokenflow::core {

Result<Decimal> Decimal::parse(std::string_view text) {
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{}
                                                                  : text.substr(dot + 1);
  auto all_digits = [](std::string_view part) {
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction) ||
      (dot != std::string_view::npos && fraction.empty())) {
    return make_error(errc::not_a_number,
                      "'" + std::string(text) + "' is not a decimal number like 1000 or 0.25");
  }
  if (fraction.size() > kMaxScale) {
    return make_error(errc::out_of_range, "'" + std::string(text) + "' has more than " +
                                              std::to_string(kMaxScale) + " decimals");
  }
  std::string digits(whole);
  digits.append(fraction);
  auto mantissa = Uint256::from_decimal(digits);
  if (!mantissa.ok()) {
    return make_error(errc::out_of_range, "'" + std::string(text) + "' is too large");
  }
  return Decimal{*mantissa, static_cast<std::uint8_t>(fraction.size())};
}

std::string Decimal::to_string() const {
  char buf[kMaxTextSize];
  return std::string(buf, write(buf));
}

std::size_t Decimal::write(char* out) const {
  if (mantissa.is_zero()) {
    out[0] = '0';
    return 1;
  }
  char digits[Uint256::kMaxDecimalDigits];
  std::size_t n = mantissa.write_decimal(digits);
  // Trailing zeros of the fraction say nothing: drop them first.
  std::size_t fraction = scale;
  while (fraction > 0 && digits[n - 1] == '0') {
    --n;
    --fraction;
  }
  char* p = out;
  if (n > fraction) {
    p = std::copy(digits, digits + n - fraction, p);
  } else {
    *p++ = '0';
  }
  if (fraction > 0) {
    *p++ = '.';
    if (n < fraction) p = std::fill_n(p, fraction - n, '0');
    p = std::copy(digits + (n > fraction ? n - fraction : 0), digits + n, p);
  }
  return static_cast<std::size_t>(p - out);
}

}  // namespace tokenflow::core
