#include "core/usd.hpp"

#include <algorithm>

#include "core/decimal.hpp"
#include "core/errc.hpp"

namespace tokenflow::core {

namespace {

// mantissa / 10^scale USD in micro-USD: more than 6 fraction digits are rounded
// half-to-even (`rounded` when a dropped digit was not zero); anything over
// kMaxEventUsdMicros is out of range.
UsdParse to_micros(Uint256 mantissa, int scale, UsdMicros& out) noexcept {
  bool rounded = false;
  if (scale <= 6) {
    if (!mantissa.try_mul_u64(kPow10[static_cast<std::size_t>(6 - scale)])) return UsdParse::out_of_range;
  } else {
    // Half-to-even on the dropped digits: the first one dropped decides, the rest break
    // ties. The rest go in chunks of up to 19 digits (one division each).
    int drop = scale - 6;
    bool rest_nonzero = false;
    while (drop > 1) {
      const int chunk = std::min(drop - 1, 19);
      rest_nonzero |= mantissa.divmod_u64(kPow10[static_cast<std::size_t>(chunk)]) != 0;
      drop -= chunk;
    }
    const std::uint64_t first_dropped = mantissa.divmod_u64(10);
    rounded = first_dropped != 0 || rest_nonzero;  // dropped zeros lose nothing
    const bool odd = (mantissa.low_u64() & 1) != 0;
    if (first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || odd))) {
      if (!mantissa.try_add(Uint256(1))) return UsdParse::out_of_range;
    }
  }
  if (!mantissa.fits_u64() || mantissa.low_u64() > kMaxEventUsdMicros) {
    return UsdParse::out_of_range;
  }
  out.value = mantissa.low_u64();
  return rounded ? UsdParse::rounded : UsdParse::ok;
}

}  // namespace

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
  return to_micros(parsed->mantissa, parsed->scale, out);
}

UsdParse usd_of_base_units(const Uint256& value, std::uint8_t decimals, UsdMicros price,
                           UsdMicros& out) noexcept {
  // value * price is a decimal with decimals + 6 fraction digits (price is in micro-USD).
  Uint256 product = value;
  if (!product.try_mul_u64(price.value)) return UsdParse::out_of_range;
  return to_micros(product, decimals + 6, out);
}

void append_usd(std::string& out, Uint256 micros) {
  char buf[Decimal::kMaxTextSize];
  out.append(buf, Decimal{micros, 6}.write(buf));
}

std::string to_string(UsdMicros v) { return Decimal{Uint256(v.value), 6}.to_string(); }

}  // namespace tokenflow::core
