#include "sources/field_mapping.hpp"

#include <gtest/gtest.h>

namespace tokenflow::sources {
namespace {

TEST(FieldMapping, MapsBothWaysAndLeavesOtherNamesAlone) {
  auto mapping = FieldMapping::parse({"transferHash=tx_hash", "height=block_number"});
  ASSERT_TRUE(mapping.ok()) << mapping.error().message;
  EXPECT_EQ(mapping->to_transfer("transferHash"), "tx_hash");
  EXPECT_EQ(mapping->to_transfer("value"), "value");
  EXPECT_EQ(mapping->to_indexer("block_number", "blockNumber"), "height");
  EXPECT_EQ(mapping->to_indexer("id", "id"), "id");
}

TEST(FieldMapping, RefusesUnknownFieldsAndMalformedSpecsSayingWhatIsAllowed) {
  auto unknown = FieldMapping::parse({"x=amount"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("use one of id, block_number"), std::string::npos);
  EXPECT_FALSE(FieldMapping::parse({"noequals"}).ok());
  EXPECT_FALSE(FieldMapping::parse({"bad name=value"}).ok());
}

TEST(FieldMapping, GraphqlNames) {
  EXPECT_TRUE(is_graphql_name("_meta"));
  EXPECT_TRUE(is_graphql_name("stablesTransfers2"));
  EXPECT_FALSE(is_graphql_name(""));
  EXPECT_FALSE(is_graphql_name("2x"));
  EXPECT_FALSE(is_graphql_name("a-b"));
}

}  // namespace
}  // namespace tokenflow::sources
