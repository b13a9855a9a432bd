// Uint256: an exact unsigned 256-bit integer, the type of every token amount (ERC-20 `value`).
// Decimal text in and out; nothing on its way to storage goes through a double.
// Checked arithmetic comes in pairs: try_add returns whether it fit, add throws.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::core {

// kPow10[k] = 10^k; 10^19 is the largest power of ten in 64 bits.
inline constexpr std::array<std::uint64_t, 20> kPow10 = [] {
  std::array<std::uint64_t, 20> p{};
  p[0] = 1;
  for (std::size_t i = 1; i < p.size(); ++i) p[i] = p[i - 1] * 10;
  return p;
}();

class Uint256 {
 public:
  static constexpr std::size_t kMaxDecimalDigits = 78;  // 2^256-1 has 78 digits

  constexpr Uint256() = default;
  constexpr explicit Uint256(std::uint64_t v) : limbs_{v, 0, 0, 0} {}
  // Little-endian 64-bit limbs: limbs[0] is the least significant.
  constexpr explicit Uint256(const std::array<std::uint64_t, 4>& limbs) : limbs_(limbs) {}

  static Uint256 max() { return Uint256({~0ULL, ~0ULL, ~0ULL, ~0ULL}); }

  // Strict: one or more ASCII digits, leading zeros allowed, nothing else (no sign, no
  // whitespace, no exponent). Errors: errc::not_a_number, errc::out_of_range.
  static Result<Uint256> from_decimal(std::string_view text);
  // The same rules without building an error: false (and `out` unchanged) on any rejection.
  // For hot paths, which call from_decimal() only to explain a rejection.
  static bool try_from_decimal(std::string_view text, Uint256& out) noexcept;

  // Writes the decimal form into `out` (at least kMaxDecimalDigits bytes) and returns the
  // number of characters written. No allocation: the sink's COPY encoder uses it per row.
  std::size_t write_decimal(char* out) const;
  std::string to_decimal() const;

  bool is_zero() const { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  bool fits_u64() const { return (limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  std::uint64_t low_u64() const { return limbs_[0]; }
  const std::array<std::uint64_t, 4>& limbs() const { return limbs_; }

  // Checked arithmetic: the try_ form returns false (and leaves *this unchanged) on overflow.
  [[nodiscard]] bool try_add(const Uint256& other);
  [[nodiscard]] bool try_mul_u64(std::uint64_t factor);
  // Throws std::overflow_error naming both operands.
  void add(const Uint256& other);
  void mul_u64(std::uint64_t factor);
  // Divides in place and returns the remainder. divisor must not be zero.
  std::uint64_t divmod_u64(std::uint64_t divisor);

  friend bool operator==(const Uint256&, const Uint256&) = default;
  friend std::strong_ordering operator<=>(const Uint256& a, const Uint256& b) {
    for (int i = 3; i >= 0; --i) {
      if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] <=> b.limbs_[i];
    }
    return std::strong_ordering::equal;
  }

 private:
  std::array<std::uint64_t, 4> limbs_{0, 0, 0, 0};
};

}  // namespace tokenflow::core
