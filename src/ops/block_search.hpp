// Finding where a block (or a time) starts in a partition, for `tokenflow replay --to-block`
// (and --to-datetime on a cluster that cannot search by time): a binary search over offsets
// that reads one message per step, so a partition of a million messages costs about twenty
// fetches, not a million. It relies on the key (block, timestamp) never decreasing along a
// partition, which is how tokenflow's sources write them (in block order, a token's events
// to one partition); a producer that interleaves blocks gets some offset within the
// disorder, never one outside [low, high].
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::ops {

// The message read at or after an offset (gaps: compaction, transaction markers).
struct BlockProbe {
  std::int64_t offset = 0;
  std::optional<std::int64_t> block;  // the key; nullopt: the message has none (malformed)
};
// Reads the first message at or after `offset` (< high). Errors end the search.
using ReadBlockAt = std::function<core::Result<BlockProbe>(std::int64_t offset)>;

struct BlockSearchResult {
  std::int64_t offset = 0;  // the first message of block >= the one asked, or high if none
  std::size_t fetches = 0;
};

core::Result<BlockSearchResult> find_first_of_block(std::int64_t low, std::int64_t high,
                                                    std::int64_t block,
                                                    const ReadBlockAt& read_block_at);

// The `block_number` of a JSON event (a number, or a string of digits as some producers
// write it); nullopt when the payload has none.
std::optional<std::int64_t> block_of(std::string_view payload);

}  // namespace tokenflow::ops
