// PriceHistoryEncoder: turns price ticks into the bytes of `COPY ... FROM STDIN` in the text
// format, for raw.price_history. Text, not binary: the prices are decimals with a scale of
// their own, which text carries exactly, and ticks come by the thousand a second at most, not
// the hundred thousand of transfers. Columns, in order: kPriceHistoryColumns. Used by one
// thread; its buffer is reused.
#pragma once

#include <string>
#include <string_view>

#include "core/price_tick.hpp"
#include "core/result.hpp"
#include "sinks/copy_encoder.hpp"

namespace tokenflow::sinks {

inline constexpr std::string_view kPriceHistoryColumns =
    R"((asset, source, "timestamp", price_usd, symbol, volume_24h_usd, change_24h_pct, liquidity_usd))";

class PriceHistoryEncoder {
 public:
  // The format is always text (see above); the parameter keeps the stores' interface one.
  explicit PriceHistoryEncoder(CopyFormat) {}

  std::string_view copy_options() const { return " (FORMAT text)"; }
  void begin() { buffer_.clear(); }
  // Errors (errc::rejected, naming the tick): a NUL byte in a text field, a timestamp
  // outside the years 1970..9999.
  core::Result<void> append(const core::PriceTick& tick);
  void finish() {}
  std::string_view pending() const { return buffer_; }
  void consume() { buffer_.clear(); }

 private:
  std::string buffer_;
};

}  // namespace tokenflow::sinks
