#include "core/usd.hpp"

#include "core/decimal.hpp"
#include "core/errc.hpp"

namespace tokenflow::core {

UsdParse parse_usd(std::string_view text, UsdMicros& out) noexcept {
  // Decimal::parse may allocate for its error sentence; the common forms never fail.
  Result<Decimal> parsed = Decimal{};
  try {
    parsed = Decimal::parse(text);
  } catch (...) {
    return UsdParse::invalid;
  }
  if (!parsed.ok()) {
    return parsed.error().code == errc::out_of_range ? UsdParse::out_of_range : UsdParse::invalid;
  }
  Uint256 micros = parsed->mantissa;
  bool rounded = false;
  if (parsed->scale <= 6) {
    for (int d = parsed->scale; d < 6; ++d) {
      if (!micros.try_mul_u64(10)) return UsdParse::out_of_range;
    }
  } else {
    // Half-to-even on the dropped digits: the first one dropped decides, the rest break ties.
    std::uint64_t first_dropped = 0;
    bool rest_nonzero = false;
    const int drop = parsed->scale - 6;
    for (int i = 0; i < drop; ++i) {
      const std::uint64_t digit = micros.divmod_u64(10);
      if (i + 1 < drop) {
        rest_nonzero |= digit != 0;
      } else {
        first_dropped = digit;
      }
    }
    rounded = true;
    const bool odd = (micros.low_u64() & 1) != 0;
    if (first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || odd))) {
      if (!micros.try_add(Uint256(1))) return UsdParse::out_of_range;
    }
  }
  if (!micros.fits_u64() || micros.low_u64() > kMaxEventUsdMicros) return UsdParse::out_of_range;
  out.value = micros.low_u64();
  return rounded ? UsdParse::rounded : UsdParse::ok;
}

void append_usd(std::string& out, Uint256 micros) {
  out.append(Decimal{micros, 6}.to_string());
}

std::string to_string(UsdMicros v) { return Decimal{Uint256(v.value), 6}.to_string(); }

}  // namespace tokenflow::core
