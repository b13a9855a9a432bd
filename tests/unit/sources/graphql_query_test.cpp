#include "sources/graphql_query.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace tokenflow::sources {
namespace {

// The GraphQL text inside a request body.
std::string query_of(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view query;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS ||
      root["query"].get(query) != simdjson::SUCCESS) {
    ADD_FAILURE() << "not a request body: " << body;
  }
  return std::string(query);
}

PageQuerySpec spec(Dialect dialect) {
  PageQuerySpec s;
  s.dialect = dialect;
  s.fields = {"id", "blockNumber", "value"};
  s.page_size = 500;
  return s;
}

TEST(GraphqlQuery, HasuraResumesStrictlyAfterBlockAndIdOrderedByBoth) {
  const auto q = query_of(page_request(spec(Dialect::hasura), Cursor{19'000'123, "0xab_7"}, {}));
  EXPECT_EQ(q,
            "query TokenflowPage { stablesTransfers(where: {_or: [{blockNumber: {_gt: 19000123}}, "
            "{blockNumber: {_eq: 19000123}, id: {_gt: \"0xab_7\"}}]}, order_by: [{blockNumber: "
            "asc}, {id: asc}], limit: 500) { id blockNumber value } }");
}

TEST(GraphqlQuery, HasuraConfirmationsBoundTheBlock) {
  const auto q = query_of(page_request(spec(Dialect::hasura), Cursor{5, ""}, 90));
  EXPECT_NE(q.find("where: {_and: [{blockNumber: {_lte: 90}}, {_or: [{blockNumber: {_gt: 5}}"),
            std::string::npos)
      << q;
}

TEST(GraphqlQuery, TheGraphUsesFirstOrderByAndBigIntStrings) {
  const auto q = query_of(page_request(spec(Dialect::thegraph), Cursor{7, "x\"y"}, 9));
  EXPECT_EQ(q,
            "query TokenflowPage { stablesTransfers(first: 500, orderBy: blockNumber, "
            "orderDirection: asc, where: {and: [{blockNumber_lte: \"9\"}, {or: [{blockNumber_gt: "
            "\"7\"}, {blockNumber: \"7\", id_gt: \"x\\\"y\"}]}]}) { id blockNumber value } }");
}

TEST(GraphqlQuery, HeadRequestsPerDialect) {
  EXPECT_EQ(query_of(head_request(Dialect::hasura)),
            "query TokenflowHead { _meta { chainId progressBlock } }");
  EXPECT_EQ(query_of(head_request(Dialect::thegraph)),
            "query TokenflowHead { _meta { block { number } } }");
}

TEST(GraphqlQuery, OnlyGraphqlNamesAreAccepted) {
  auto s = spec(Dialect::hasura);
  EXPECT_TRUE(validate(s).ok());
  s.table = "transfers { id } evil";
  ASSERT_FALSE(validate(s).ok());
  EXPECT_NE(validate(s).error().message.find("--graphql-table"), std::string::npos);
  s = spec(Dialect::hasura);
  s.fields.push_back("1bad");
  EXPECT_FALSE(validate(s).ok());
  s = spec(Dialect::hasura);
  s.page_size = 0;
  EXPECT_FALSE(validate(s).ok());
}

}  // namespace
}  // namespace tokenflow::sources
