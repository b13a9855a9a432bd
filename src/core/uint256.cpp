#include "core/uint256.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

__extension__ typedef unsigned __int128 u128;
constexpr std::uint64_t kPow10_19 = 10'000'000'000'000'000'000ULL;

std::string shorten(std::string_view text) {
  constexpr std::size_t kShown = 90;
  if (text.size() <= kShown) return std::string(text);
  return std::string(text.substr(0, kShown)) + "...";
}

}  // namespace

Result<Uint256> Uint256::from_decimal(std::string_view text) {
  if (text.empty()) return make_error(errc::not_a_number, "'' is empty, not an unsigned integer");
  for (char c : text) {
    if (c < '0' || c > '9') {
      return make_error(errc::not_a_number,
                        "'" + shorten(text) + "' is not an unsigned integer (only digits 0-9)");
    }
  }
  // Leading zeros carry no value; skipping them keeps "000...0001" (any length) valid.
  std::size_t first = text.find_first_not_of('0');
  if (first == std::string_view::npos) return Uint256{};
  std::string_view digits = text.substr(first);
  if (digits.size() > kMaxDecimalDigits) {
    return make_error(errc::out_of_range, "'" + shorten(text) + "' is above 2^256-1");
  }
  Uint256 result;
  std::size_t pos = 0;
  // Consume 19 digits at a time (the largest power of ten in 64 bits): 5 multiply-adds
  // for a 78-digit value instead of 78.
  std::size_t head = digits.size() % 19;
  if (head == 0) head = 19;
  while (pos < digits.size()) {
    std::size_t len = pos == 0 ? head : 19;
    std::uint64_t chunk = 0;
    std::uint64_t scale = 1;
    for (std::size_t i = 0; i < len; ++i) {
      chunk = chunk * 10 + static_cast<std::uint64_t>(digits[pos + i] - '0');
      scale *= 10;
    }
    if (pos != 0 && !result.try_mul_u64(scale)) {
      return make_error(errc::out_of_range, "'" + shorten(text) + "' is above 2^256-1");
    }
    if (!result.try_add(Uint256(chunk))) {
      return make_error(errc::out_of_range, "'" + shorten(text) + "' is above 2^256-1");
    }
    pos += len;
  }
  return result;
}

std::size_t Uint256::write_decimal(char* out) const {
  if (is_zero()) {
    out[0] = '0';
    return 1;
  }
  // Peel 19-digit chunks off the low end, then print them most significant first.
  std::uint64_t chunks[5];
  int count = 0;
  Uint256 rest = *this;
  while (!rest.is_zero()) chunks[count++] = rest.divmod_u64(kPow10_19);
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
