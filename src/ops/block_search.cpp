#include "ops/block_search.hpp"

#include <simdjson.h>

#include <charconv>

namespace tokenflow::ops {
namespace {

// A run of messages without a block (garbage a producer sent) is stepped over, up to this
// many, before the search gives up on the partition.
constexpr int kMaxUnreadableInARow = 64;

}  // namespace

core::Result<BlockSearchResult> find_first_of_block(std::int64_t low, std::int64_t high,
                                                    std::int64_t block,
                                                    const ReadBlockAt& read_block_at) {
  BlockSearchResult result;
  // Invariant: every message below `lo` has a smaller block; the answer is at or below `hi`.
  std::int64_t lo = low;
  std::int64_t hi = high;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    std::int64_t at = mid;
    BlockProbe probe;
    for (int unreadable = 0;; ++unreadable) {
      auto read = read_block_at(at);
      ++result.fetches;
      if (!read.ok()) return std::move(read).error();
      probe = *read;
      if (probe.block || probe.offset + 1 >= hi) break;
      if (unreadable == kMaxUnreadableInARow) {
        return core::Error{std::make_error_code(std::errc::invalid_argument),
                           std::to_string(kMaxUnreadableInARow) +
                               " messages in a row from offset " + std::to_string(mid) +
                               " have no block_number (or timestamp): the search needs "
                               "transfers or swaps"};
      }
      at = probe.offset + 1;
    }
    if (probe.offset >= hi || !probe.block || *probe.block >= block) {
      hi = mid;  // nothing in [mid, probe.offset) is a message of a smaller block
    } else {
      lo = probe.offset + 1;
    }
  }
  result.offset = lo;
  return result;
}

std::optional<std::int64_t> block_of(std::string_view payload) {
  static thread_local simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(payload.data(), payload.size()).get(element) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  simdjson::dom::element field;
  if (element["block_number"].get(field) != simdjson::SUCCESS) return std::nullopt;
  if (std::int64_t number = 0; field.get_int64().get(number) == simdjson::SUCCESS) return number;
  std::string_view text;
  if (field.get(text) != simdjson::SUCCESS) return std::nullopt;
  std::int64_t number = 0;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), number);
  if (parsed.ec != std::errc{} || parsed.ptr != text.data() + text.size()) return std::nullopt;
  return number;
}

}  // namespace tokenflow::ops
