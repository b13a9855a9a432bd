// Fuzzer for the transfer decoder: any bytes must give a Transfer or an error with a code of
// the codec category and a non-empty reason; never a crash, a hang or a sanitizer report.
// A decoded transfer must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codec/errc.hpp"
#include "codec/transfer_decoder.hpp"
#include "codec/transfer_encoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static tokenflow::codec::TransferDecoder decoder;
  tokenflow::core::Transfer transfer;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto decoded = decoder.decode(input, transfer);
  if (!decoded.ok()) {
    if (decoded.error().message.empty() ||
        &decoded.error().code.category() != &tokenflow::codec::codec_category()) {
      std::abort();
    }
    return 0;
  }
  std::string encoded = tokenflow::codec::encode_transfer(transfer);
  tokenflow::core::Transfer again;
  if (!decoder.decode(encoded, again).ok() || !(again == transfer)) std::abort();
  return 0;
}
