#include "ops/block_search.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace tokenflow::ops {
namespace {

// A partition as offset -> block (absent offsets are gaps); nullopt blocks are malformed.
struct FakePartition {
  std::map<std::int64_t, std::optional<std::int64_t>> messages;
  core::Result<BlockProbe> read(std::int64_t offset) const {
    auto it = messages.lower_bound(offset);
    if (it == messages.end()) {
      return core::Error{std::make_error_code(std::errc::io_error), "read past the end"};
    }
    return BlockProbe{it->first, it->second};
  }
  std::int64_t first_of_block(std::int64_t block) const {
    for (const auto& [offset, b] : messages) {
      if (b && *b >= block) return offset;
    }
    return messages.empty() ? 0 : messages.rbegin()->first + 1;
  }
};

TEST(BlockSearch, FindsTheFirstMessageOfEveryBlockInLogarithmicFetches) {
  FakePartition partition;
  // 100,000 messages, ~7 per block, blocks starting at 1,000,000.
  for (std::int64_t offset = 0; offset < 100'000; ++offset) {
    partition.messages[offset] = 1'000'000 + offset / 7;
  }
  const std::int64_t high = 100'000;
  for (std::int64_t block : {999'000LL, 1'000'000LL, 1'000'001LL, 1'005'000LL, 1'014'285LL,
                             1'014'286LL, 2'000'000LL}) {
    auto found = find_first_of_block(0, high, block, [&](std::int64_t o) { return partition.read(o); });
    ASSERT_TRUE(found.ok()) << found.error().message;
    EXPECT_EQ(found->offset, partition.first_of_block(block)) << "block " << block;
    EXPECT_LE(found->fetches, static_cast<std::size_t>(std::ceil(std::log2(high))) + 1)
        << "block " << block;
  }
}

TEST(BlockSearch, StepsOverGapsAndMalformedMessages) {
  FakePartition partition;
  std::int64_t offset = 10;  // the log starts at 10
  for (std::int64_t block = 50; block < 150; ++block) {
    partition.messages[offset++] = block;
    partition.messages[offset++] = std::nullopt;  // garbage a producer sent
    offset += 3;                                  // a gap (compaction)
  }
  const std::int64_t high = partition.messages.rbegin()->first + 1;
  for (std::int64_t block : {50LL, 51LL, 99LL, 149LL, 150LL}) {
    auto found =
        find_first_of_block(10, high, block, [&](std::int64_t o) { return partition.read(o); });
    ASSERT_TRUE(found.ok()) << found.error().message;
    // Read from the answer, the first message that names a block is the block's first, and
    // nothing of an earlier block comes after the answer (a malformed message between the
    // two may be read again: it names no block).
    const std::int64_t first = block == 150 ? high : partition.first_of_block(block);
    EXPECT_LE(found->offset, first) << "block " << block;
    for (auto it = partition.messages.lower_bound(found->offset);
         it != partition.messages.end() && it->first < first; ++it) {
      EXPECT_FALSE(it->second.has_value()) << "block " << block << ": offset " << it->first
                                           << " of block " << *it->second << " read again";
    }
  }
}

TEST(BlockSearch, AnEmptyRangeAndAReadErrorAreAnswered) {
  FakePartition partition;
  auto empty = find_first_of_block(5, 5, 1, [&](std::int64_t o) { return partition.read(o); });
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->offset, 5);
  EXPECT_EQ(empty->fetches, 0u);
  auto failed = find_first_of_block(0, 10, 1, [&](std::int64_t o) { return partition.read(o); });
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("past the end"), std::string::npos);
}

TEST(BlockSearch, BlockOfReadsNumbersAndDigitStrings) {
  EXPECT_EQ(block_of(R"({"id":"x","block_number":19000001})"), 19000001);
  EXPECT_EQ(block_of(R"({"block_number":"42"})"), 42);
  EXPECT_EQ(block_of(R"({"block_number":"4x2"})"), std::nullopt);
  EXPECT_EQ(block_of(R"({"id":"x"})"), std::nullopt);
  EXPECT_EQ(block_of("not json"), std::nullopt);
}

}  // namespace
}  // namespace tokenflow::ops
