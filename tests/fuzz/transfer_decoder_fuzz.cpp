// Fuzzer for the transfer decoder: any bytes must give a Transfer or an error with a code of
// the codec category and a non-empty reason; never a crash, a hang or a sanitizer report.
// A decoded transfer must survive encode -> decode unchanged.
#include "codec/transfer_decoder.hpp"
#include "codec/transfer_encoder.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tokenflow;
  static codec::TransferDecoder decoder;
  fuzz::check_round_trip<core::Transfer>(
      decoder, fuzz::as_text(data, size),
      [](const core::Transfer& transfer) { return codec::encode_transfer(transfer); });
  return 0;
}
