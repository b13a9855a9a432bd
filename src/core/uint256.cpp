#include "core/uint256.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

__extension__ typedef unsigned __int128 u128;
std::string shorten(std::string_view text) {
  constexpr std::size_t kShown = 90;
  if (text.size() <= kShown) return std::string(text);
  return std::string(text.substr(0, kShown)) + "...";
}

// Why a text is not an unsigned 256-bit integer; from_decimal turns it into a sentence.
enum class DecimalRejection { none, empty, not_digits, too_large };

DecimalRejection parse_decimal(std::string_view text, std::array<std::uint64_t, 4>& limbs) {
  if (text.empty()) return DecimalRejection::empty;
  // Leading zeros carry no value; skipping them keeps "000...0001" (any length) valid.
  std::size_t first = 0;
  while (first < text.size() && text[first] == '0') ++first;
  const std::string_view digits = text.substr(first);
  if (digits.size() > Uint256::kMaxDecimalDigits) {
    // A non-digit anywhere outranks the length: the text is not a number at all.
    for (char c : digits) {
      if (static_cast<unsigned char>(c - '0') > 9) return DecimalRejection::not_digits;
    }
    return DecimalRejection::too_large;
  }
  // Consume 19 digits at a time (the largest power of ten in 64 bits) into one u64, then fold
  // it in with a single multiply-add pass over the limbs: 5 passes for 78 digits instead of 78.
  // Limbs above the highest one in use stay zero, so only `used` of them are multiplied.
  std::array<std::uint64_t, 4> acc{0, 0, 0, 0};
  std::size_t used = 0;
  unsigned char bad = 0;
  std::uint64_t overflow = 0;
  std::size_t pos = 0;
  std::size_t len = digits.size() % 19;
  if (len == 0) len = 19;
  while (pos < digits.size()) {
    std::uint64_t chunk = 0;
    for (std::size_t i = 0; i < len; ++i) {
      const auto d = static_cast<unsigned char>(digits[pos + i] - '0');
      bad |= static_cast<unsigned char>(d > 9);
      chunk = chunk * 10 + d;
    }
    u128 carry = chunk;
    for (std::size_t i = 0; i < used; ++i) {
      const u128 p = static_cast<u128>(acc[i]) * kPow10[len] + carry;
      acc[i] = static_cast<std::uint64_t>(p);
      carry = p >> 64;
    }
    if (carry != 0) {
      if (used < 4) {
        acc[used++] = static_cast<std::uint64_t>(carry);
      } else {
        overflow = 1;
      }
    }
    pos += len;
    len = 19;
  }
  if (bad) return DecimalRejection::not_digits;
  if (overflow) return DecimalRejection::too_large;
  limbs = acc;
  return DecimalRejection::none;
}

}  // namespace

Result<Uint256> Uint256::from_decimal(std::string_view text) {
  std::array<std::uint64_t, 4> limbs{};
  switch (parse_decimal(text, limbs)) {
    case DecimalRejection::none:
      return Uint256(limbs);
    case DecimalRejection::empty:
      return make_error(errc::not_a_number, "'' is empty, not an unsigned integer");
    case DecimalRejection::not_digits:
      return make_error(errc::not_a_number,
                        "'" + shorten(text) + "' is not an unsigned integer (only digits 0-9)");
    case DecimalRejection::too_large:
      break;
  }
  return make_error(errc::out_of_range, "'" + shorten(text) + "' is above 2^256-1");
}

bool Uint256::try_from_decimal(std::string_view text, Uint256& out) noexcept {
  return parse_decimal(text, out.limbs_) == DecimalRejection::none;
}

std::size_t Uint256::write_decimal(char* out) const {
  if (fits_u64()) {  // most amounts and every sum of a few swaps: no 128-bit division
    return static_cast<std::size_t>(std::to_chars(out, out + 20, limbs_[0]).ptr - out);
  }
  // Peel 19-digit chunks off the low end, then print them most significant first.
  std::uint64_t chunks[5];
  int count = 0;
  Uint256 rest = *this;
  while (!rest.is_zero()) chunks[count++] = rest.divmod_u64(kPow10[19]);
  char* p = out;
  // The most significant chunk is printed without padding.
  char buf[20];
  int n = 0;
  std::uint64_t top = chunks[count - 1];
  do {
    buf[n++] = static_cast<char>('0' + top % 10);
    top /= 10;
  } while (top != 0);
  while (n > 0) *p++ = buf[--n];
  for (int i = count - 2; i >= 0; --i) {
    std::uint64_t chunk = chunks[i];
    for (int d = 18; d >= 0; --d) {
      p[d] = static_cast<char>('0' + chunk % 10);
      chunk /= 10;
    }
    p += 19;
  }
  return static_cast<std::size_t>(p - out);
}

std::string Uint256::to_decimal() const {
  char buf[kMaxDecimalDigits];
  return std::string(buf, write_decimal(buf));
}

bool Uint256::try_add(const Uint256& other) {
  std::array<std::uint64_t, 4> sum{};
  u128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    u128 s = static_cast<u128>(limbs_[i]) + other.limbs_[i] + carry;
    sum[i] = static_cast<std::uint64_t>(s);
    carry = s >> 64;
  }
  if (carry != 0) return false;
  limbs_ = sum;
  return true;
}

bool Uint256::try_mul_u64(std::uint64_t factor) {
  std::array<std::uint64_t, 4> product{};
  u128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    u128 p = static_cast<u128>(limbs_[i]) * factor + carry;
    product[i] = static_cast<std::uint64_t>(p);
    carry = p >> 64;
  }
  if (carry != 0) return false;
  limbs_ = product;
  return true;
}

void Uint256::add(const Uint256& other) {
  if (!try_add(other)) {
    throw std::overflow_error("Uint256 overflow: " + to_decimal() + " + " + other.to_decimal() +
                              " is above 2^256-1");
  }
}

void Uint256::mul_u64(std::uint64_t factor) {
  if (!try_mul_u64(factor)) {
    throw std::overflow_error("Uint256 overflow: " + to_decimal() + " * " +
                              std::to_string(factor) + " is above 2^256-1");
  }
}

std::uint64_t Uint256::divmod_u64(std::uint64_t divisor) {
  u128 remainder = 0;
  for (int i = 3; i >= 0; --i) {
    u128 current = (remainder << 64) | limbs_[i];
    limbs_[i] = static_cast<std::uint64_t>(current / divisor);
    remainder = current % divisor;
  }
  return static_cast<std::uint64_t>(remainder);
}

}  // namespace tokenflow::core
