// Fuzzer for the swap decoder (one message of defi.swaps): any bytes must give a Swap or an
// error of the codec category with a non-empty reason; never a crash, a hang or a sanitizer
// report. A decoded swap must survive encode -> decode unchanged (and, its amount_usd being
// rounded already, without rounding again).
#include "codec/swap_decoder.hpp"
#include "codec/swap_encoder.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tokenflow;
  static codec::SwapDecoder decoder;
  const bool decoded = fuzz::check_round_trip<core::Swap>(
      decoder, fuzz::as_text(data, size),
      [](const core::Swap& swap) { return codec::encode_swap(swap); });
  fuzz::require(!decoded || !decoder.rounded());  // rounded() speaks of the re-encoded message
  return 0;
}
