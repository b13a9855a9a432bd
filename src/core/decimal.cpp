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

Result<Decimal> Decimal::parse_json_number(std::string_view text) {
  const auto e = text.find_first_of("eE");
  if (e == std::string_view::npos) return parse(text);
  auto base = parse(text.substr(0, e));
  std::string_view exponent_text = text.substr(e + 1);
  bool negative = false;
  if (!exponent_text.empty() && (exponent_text[0] == '+' || exponent_text[0] == '-')) {
    negative = exponent_text[0] == '-';
    exponent_text.remove_prefix(1);
  }
  int exponent = 0;
  bool digits_ok = !exponent_text.empty() && exponent_text.size() <= 4;
  // Read only once the length is known to fit (at most 9999): a long exponent, or any text
  // after an 'e' (simdjson hands over a bad number's whole token), would overflow an int.
  for (std::size_t i = 0; digits_ok && i < exponent_text.size(); ++i) {
    const char c = exponent_text[i];
    if (c < '0' || c > '9') digits_ok = false;
    else exponent = exponent * 10 + (c - '0');
  }
  if (!base.ok() || !digits_ok) {
    return make_error(errc::not_a_number,
                      "'" + std::string(text) + "' is not a decimal number like 1000, 0.25 or 1.5e-05");
  }
  Decimal value = *base;
  if (negative) {
    // Dividing by 10^k is a larger scale: exact while the scale fits.
    if (value.scale + exponent > kMaxScale) {
      return make_error(errc::out_of_range, "'" + std::string(text) + "' has more than " +
                                                std::to_string(kMaxScale) + " decimals");
    }
    value.scale = static_cast<std::uint8_t>(value.scale + exponent);
    return value;
  }
  // Multiplying: lower the scale first, then append zeros to the mantissa.
  const int lowered = std::min<int>(exponent, value.scale);
  value.scale = static_cast<std::uint8_t>(value.scale - lowered);
  for (int i = lowered; i < exponent; ++i) {
    if (!value.mantissa.is_zero() && !value.mantissa.try_mul_u64(10)) {
      return make_error(errc::out_of_range, "'" + std::string(text) + "' is too large");
    }
  }
  return value;
}

Result<SignedDecimal> SignedDecimal::parse(std::string_view text) {
  const bool minus = !text.empty() && text[0] == '-';
  auto magnitude = Decimal::parse_json_number(minus ? text.substr(1) : text);
  if (!magnitude.ok()) return magnitude.error();
  return SignedDecimal{minus && !magnitude->is_zero(), *magnitude};
}

std::string SignedDecimal::to_string() const {
  return negative ? "-" + magnitude.to_string() : magnitude.to_string();
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
