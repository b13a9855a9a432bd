// TransferDecoder: one Kafka message (JSON bytes) -> a validated core::Transfer.
// Accepts the snake_case fields of DESIGN.md and the indexers' camelCase aliases
// (blockNumber, from, to, contractAddress, ...). Rejects, with a sentence naming the field:
// empty input, invalid UTF-8, anything but exactly one JSON object, duplicate keys, missing
// or mistyped fields, invalid addresses, amounts that are not an unsigned 256-bit integer,
// an id over 256 bytes, numbers out of range.
//
// Hot path: owns its simdjson parser and reuses it and the Transfer's string capacity, so a
// warmed-up decoder allocates nothing per message. One decoder per thread.
#pragma once

#include <string_view>

#include <simdjson.h>

#include "core/result.hpp"
#include "core/transfer.hpp"

namespace tokenflow::codec {

class TransferDecoder {
 public:
  static constexpr std::size_t kMaxMessageBytes = 64 * 1024;

  TransferDecoder();

  // Overwrites `out` entirely (fields absent from the message are reset).
  core::Result<void> decode(std::string_view message, core::Transfer& out);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace tokenflow::codec
