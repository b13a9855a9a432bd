// The statistics directory's records: what one instance writes, another reads back the same,
// and anything else on the topic is ignored rather than fatal.
#include "processors/stats/directory_record.hpp"

#include <gtest/gtest.h>

namespace tokenflow::processors {
namespace {

core::Address token() {
  core::Address a;
  EXPECT_TRUE(core::Address::try_parse("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", a));
  return a;
}

TEST(DirectoryRecord, AnOwnerRecordReadsBackAsWritten) {
  const PartitionOwnerRecord owner{"stats|blue", "defi.swaps", 4, "http://stats-2:8080",
                                   "stats-2:77", 1'733'140'000'123};
  const std::string key = directory_key(owner);
  EXPECT_EQ(key, "partition|defi.swaps|4|stats|blue") << "the group goes last: it may hold '|'";
  const auto parsed = parse_directory_record(key, directory_value(owner));
  ASSERT_TRUE(parsed.has_value());
  const auto& got = std::get<PartitionOwnerRecord>(*parsed);
  EXPECT_EQ(got.group, owner.group);
  EXPECT_EQ(got.topic, owner.topic);
  EXPECT_EQ(got.partition, 4);
  EXPECT_EQ(got.url, owner.url);
  EXPECT_EQ(got.instance, owner.instance);
  EXPECT_EQ(got.at_ms, owner.at_ms);
}

TEST(DirectoryRecord, ATokenRecordAndItsTombstone) {
  TokenHeldRecord held{"g", "stablecoin-transfers", 0, token(), true};
  const std::string key = directory_key(held);
  EXPECT_EQ(key, "token|stablecoin-transfers|0|0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48|g");
  auto parsed = parse_directory_record(key, directory_value(held));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(std::get<TokenHeldRecord>(*parsed).held);
  EXPECT_EQ(std::get<TokenHeldRecord>(*parsed).token, token());
  held.held = false;
  EXPECT_EQ(directory_value(held), "") << "a withdrawal is a null value, so compaction forgets it";
  parsed = parse_directory_record(key, {});
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(std::get<TokenHeldRecord>(*parsed).held);
}

TEST(DirectoryRecord, ForeignOrDamagedMessagesAreIgnored) {
  EXPECT_FALSE(parse_directory_record("", "{}"));
  EXPECT_FALSE(parse_directory_record("hello", "world"));
  EXPECT_FALSE(parse_directory_record("partition|defi.swaps|x|g", "{\"url\":\"u\",\"at\":1}"));
  EXPECT_FALSE(parse_directory_record("partition|defi.swaps|-1|g", "{\"url\":\"u\",\"at\":1}"));
  EXPECT_FALSE(parse_directory_record("partition|defi.swaps|1|g", "not json"));
  EXPECT_FALSE(parse_directory_record("partition|defi.swaps|1|g", "{\"url\":5,\"at\":1}"));
  EXPECT_FALSE(parse_directory_record("partition|defi.swaps|1|g", ""));
  EXPECT_FALSE(parse_directory_record("token|defi.swaps|1|0xnothex|g", "{\"held\":true}"));
  EXPECT_FALSE(parse_directory_record("token|defi.swaps|1", "{\"held\":true}"));
}

}  // namespace
}  // namespace tokenflow::processors
