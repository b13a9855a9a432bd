// LineKeyer: what `produce file` needs of each event type, one line of NDJSON -> either the
// Kafka key it is published under or the reason it is invalid. Validation is that type's
// codec decoder, as the consumers would decode it; keys are the simulator's and DESIGN.md's
// (transfers by contract address, swaps by token, both lower-case hex; price ticks by asset).
//
// A new event type is a new LineKeyer, not a new replay loop. One keyer per thread (it owns
// its decoder's parser).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::sources {

enum class FileEvents : std::uint8_t { transfers, swaps, prices };

// "transfers", "swaps", "prices": the spelling of `--events`.
std::string_view to_string(FileEvents events);
std::optional<FileEvents> parse_file_events(std::string_view text);

class LineKeyer {
 public:
  virtual ~LineKeyer() = default;
  // The key of a valid line (a view into the keyer, good until the next call), or the
  // decoder's error naming what is wrong with the line.
  virtual core::Result<std::string_view> key_of(std::string_view line) = 0;
};

std::unique_ptr<LineKeyer> make_line_keyer(FileEvents events);

}  // namespace tokenflow::sources
