// Fuzzer for the price tick decoder (one message of market.prices): any bytes must give a
// PriceTick or an error of the codec category with a non-empty reason; never a crash, a hang
// or a sanitizer report. There is no encoder; what a tick promises is checked instead: an
// asset, and a price whose text reads back as the same decimal.
#include "codec/errc.hpp"
#include "codec/price_tick_decoder.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tokenflow;
  static codec::PriceTickDecoder decoder;
  auto tick = decoder.decode(fuzz::as_text(data, size));
  if (!tick.ok()) {
    fuzz::check_error(tick.error(), codec::codec_category());
    return 0;
  }
  fuzz::require(!tick->asset.empty());
  const std::string price = tick->price_usd.to_string();
  auto again = core::Decimal::parse(price);
  fuzz::require(again.ok() && again->to_string() == price);
  return 0;
}
