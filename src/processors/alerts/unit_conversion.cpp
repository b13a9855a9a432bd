#include "processors/alerts/unit_conversion.hpp"

#include <boost/multiprecision/cpp_int.hpp>

namespace tokenflow::processors {
namespace {

using boost::multiprecision::cpp_int;

cpp_int to_big(const core::Uint256& value) {
  cpp_int out = 0;
  const auto& limbs = value.limbs();
  for (int i = 3; i >= 0; --i) {
    out <<= 64;
    out += limbs[static_cast<std::size_t>(i)];
  }
  return out;
}

std::optional<core::Uint256> to_uint256(const cpp_int& value) {
  if (value < 0) return std::nullopt;
  if (value == 0) return core::Uint256{};
  if (boost::multiprecision::msb(value) >= 256) return std::nullopt;
  std::array<std::uint64_t, 4> limbs{};
  cpp_int rest = value;
  for (auto& limb : limbs) {
    limb = static_cast<std::uint64_t>(rest & cpp_int(~0ULL));
    rest >>= 64;
  }
  return core::Uint256(limbs);
}

cpp_int pow10(unsigned exponent) { return boost::multiprecision::pow(cpp_int(10), exponent); }

cpp_int ceil_div(const cpp_int& numerator, const cpp_int& denominator) {
  return (numerator + denominator - 1) / denominator;
}

// "1234567" with `scale` 3 -> "1234.567"; shortest form when `trim`.
std::string place_point(std::string digits, unsigned scale, bool trim) {
  if (scale == 0) return digits;
  if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  digits.insert(digits.size() - scale, 1, '.');
  if (trim) {
    while (digits.back() == '0') digits.pop_back();
    if (digits.back() == '.') digits.pop_back();
  }
  return digits;
}

}  // namespace

std::optional<core::Uint256> base_units_reaching_usd(const core::Decimal& usd,
                                                     const core::Decimal& price,
                                                     std::uint8_t decimals) {
  if (usd.is_zero()) return core::Uint256{};
  if (price.is_zero()) return std::nullopt;
  // value * price / 10^(decimals + price.scale) >= usd / 10^usd.scale
  const cpp_int numerator = to_big(usd.mantissa) * pow10(decimals + price.scale);
  const cpp_int denominator = to_big(price.mantissa) * pow10(usd.scale);
  return to_uint256(ceil_div(numerator, denominator));
}

std::optional<core::Uint256> base_units_reaching_tokens(const core::Decimal& tokens,
                                                        std::uint8_t decimals) {
  return to_uint256(ceil_div(to_big(tokens.mantissa) * pow10(decimals), pow10(tokens.scale)));
}

std::string usd_value_text(const core::Uint256& value, std::uint8_t decimals,
                           const core::Decimal& price, int fraction_digits) {
  const auto digits = static_cast<unsigned>(std::max(0, fraction_digits));
  const cpp_int scaled = to_big(value) * to_big(price.mantissa) * pow10(digits) /
                         pow10(decimals + price.scale);
  return place_point(scaled.str(), digits, false);
}

std::string token_units_text(const core::Uint256& value, std::uint8_t decimals) {
  return place_point(value.to_decimal(), decimals, true);
}

std::string with_thousands_separators(const std::string& decimal_text, int fraction_digits) {
  const auto dot = decimal_text.find('.');
  const std::string whole = decimal_text.substr(0, dot);
  std::string out;
  out.reserve(whole.size() + whole.size() / 3 + 1 + static_cast<std::size_t>(fraction_digits));
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(whole[i]);
  }
  if (fraction_digits > 0) {
    std::string fraction = dot == std::string::npos ? "" : decimal_text.substr(dot + 1);
    fraction.resize(static_cast<std::size_t>(fraction_digits), '0');
    out.push_back('.');
    out.append(fraction);
  }
  return out;
}

}  // namespace tokenflow::processors
