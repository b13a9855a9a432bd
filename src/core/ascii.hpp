// ASCII-only character tests and case folding for protocol text (header names, symbols,
// config lines). <cctype>'s functions are undefined for a negative `char` (any byte over
// 0x7f where char is signed) and follow the C locale besides; these take any byte, never
// consult a locale, and leave every non-ASCII byte as it is.
#pragma once

#include <string_view>

namespace tokenflow::core {

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Space, tab, and \n \v \f \r: what std::isspace accepts in the C locale.
constexpr bool ascii_space(char c) noexcept { return c == ' ' || (c >= '\t' && c <= '\r'); }

constexpr bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

constexpr bool ascii_istarts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.size() >= prefix.size() && ascii_iequals(text.substr(0, prefix.size()), prefix);
}

constexpr std::string_view ascii_trim(std::string_view s) noexcept {
  while (!s.empty() && ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace tokenflow::core
