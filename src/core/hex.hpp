// Hex digit values by table: one load per character instead of three range tests, for the
// addresses every event carries three of. Used by Address; tested on all 256 byte values.
#pragma once

#include <array>
#include <cstdint>

namespace tokenflow::core {

// Marks a byte that is not a hex digit. Its high bit survives OR-ing any digit values together,
// so a parser can OR a whole run of lookups and test once at the end.
inline constexpr std::uint8_t kNotHex = 0xff;

inline constexpr std::array<std::uint8_t, 256> kHexValue = [] {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table) v = kNotHex;
  for (int c = 0; c < 10; ++c)
    table[static_cast<std::size_t>('0' + c)] = static_cast<std::uint8_t>(c);
  for (int c = 0; c < 6; ++c) {
    table[static_cast<std::size_t>('a' + c)] = static_cast<std::uint8_t>(10 + c);
    table[static_cast<std::size_t>('A' + c)] = static_cast<std::uint8_t>(10 + c);
  }
  return table;
}();

// 0-15 for '0'-'9', 'a'-'f', 'A'-'F'; kNotHex for every other byte (including 'g', 'G', 'x').
constexpr std::uint8_t hex_value(char c) noexcept {
  return kHexValue[static_cast<unsigned char>(c)];
}

}  // namespace tokenflow::core
