// Address: a 20-byte account or contract address. Accepted as 0x + 40 hex digits in any
// case; always printed lower-case, which is how it is keyed in Kafka and stored.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::core {

class Address {
 public:
  static constexpr std::size_t kTextSize = 42;  // "0x" + 40 hex digits

  constexpr Address() = default;  // the zero address (mints come from it, burns go to it)
  explicit Address(const std::array<std::uint8_t, 20>& bytes) : bytes_(bytes) {}

  // Errors: errc::invalid_address with the offending text in the message.
  static Result<Address> parse(std::string_view text);
  // The same rules without building an error: false (and `out` unchanged) if `text` is not
  // an address. For hot paths, which call parse() only to explain a rejection.
  static bool try_parse(std::string_view text, Address& out) noexcept;

  // Writes exactly kTextSize characters (lower-case) to `out`. No allocation.
  void write_hex(char* out) const;
  std::string to_string() const;

  bool is_zero() const;
  const std::array<std::uint8_t, 20>& bytes() const { return bytes_; }

  friend bool operator==(const Address&, const Address&) = default;
  friend auto operator<=>(const Address&, const Address&) = default;

 private:
  std::array<std::uint8_t, 20> bytes_{};
};

struct AddressHash {
  std::size_t operator()(const Address& a) const noexcept {
    // Addresses are hashes already: their first bytes are uniformly distributed.
    std::uint64_t h = 0;
    for (int i = 0; i < 8; ++i) h = (h << 8) | a.bytes()[static_cast<std::size_t>(i)];
    return static_cast<std::size_t>(h ^ a.bytes()[19]);
  }
};

}  // namespace tokenflow::core
