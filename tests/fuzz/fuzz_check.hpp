// What every fuzzer asserts of a refusal, in one place: an error of the decoder's own
// category with a non-empty sentence. A broken promise aborts, which libFuzzer reports as a
// crash with the input that caused it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <system_error>

#include "codec/errc.hpp"
#include "core/result.hpp"

namespace tokenflow::fuzz {

// Empty input is given as a view with no data pointer, as librdkafka gives a message without
// a payload (a tombstone): a decoder must not pass that pointer on (memcpy(p, nullptr, 0) is
// undefined behaviour, and UBSan says so).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  return {reinterpret_cast<const char*>(data), size};
}

inline void require(bool promise) {
  if (!promise) std::abort();
}

inline void check_error(const core::Error& error, const std::error_category& category) {
  require(!error.message.empty() && error.code.category() == category);
}

// A decoder of one message that has an encoder: a refusal is of the codec category; a value
// encodes to a message that decodes to the same value. True when `input` was a value.
template <typename Value, typename Decoder, typename Encode>
bool check_round_trip(Decoder& decoder, std::string_view input, Encode encode) {
  Value value;
  auto decoded = decoder.decode(input, value);
  if (!decoded.ok()) {
    check_error(decoded.error(), codec::codec_category());
    return false;
  }
  Value again;
  require(decoder.decode(encode(value), again).ok() && again == value);
  return true;
}

}  // namespace tokenflow::fuzz
