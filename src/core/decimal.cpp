#include "core/decimal.hpp"

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
  std::string digits = mantissa.to_decimal();
  if (scale == 0) return digits;
  if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  digits.insert(digits.size() - scale, 1, '.');
  while (digits.back() == '0') digits.pop_back();
  if (digits.back() == '.') digits.pop_back();
  return digits;
}

}  // namespace tokenflow::core
