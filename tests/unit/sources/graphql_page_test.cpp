#include "sources/graphql_page.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

constexpr const char* kA = "0x1111111111111111111111111111111111111111";
constexpr const char* kB = "0x2222222222222222222222222222222222222222";
constexpr const char* kC = "0x3333333333333333333333333333333333333333";

std::string record(const std::string& id, std::uint64_t block, const std::string& value) {
  return std::string("{\"id\":\"") + id + "\",\"blockNumber\":" + std::to_string(block) +
         ",\"timestamp\":\"2024-06-01T12:00:00Z\",\"contractAddress\":\"" + kA + "\",\"from\":\"" +
         kB + "\",\"to\":\"" + kC + "\",\"value\":\"" + value + "\"}";
}

PageParser parser(std::uint32_t page_size = 1000) {
  return PageParser("stablesTransfers", {}, "blockNumber", "id", page_size);
}

TEST(GraphqlPage, ValidRecordsBecomeWireTransfersKeyedByContract) {
  auto p = parser();
  Page page;
  const std::string body =
      "{\"data\":{\"stablesTransfers\":[" + record("0xa_1", 10, "5") + "," +
      record("0xa_2", 11,
             "115792089237316195423570985008687907853269984665640564039457584007913129639935") +
      "]}}";
  ASSERT_TRUE(p.parse(body, page).ok());
  ASSERT_EQ(page.records.size(), 2u);
  EXPECT_TRUE(page.records[0].valid);
  EXPECT_EQ(page.records[0].key, kA);
  EXPECT_EQ(page.records[1].cursor, (Cursor{11, "0xa_2"}));
  EXPECT_NE(page.records[0].payload.find("\"block_number\":10"), std::string::npos)
      << page.records[0].payload;
  EXPECT_NE(
      page.records[1].payload.find(
          "\"value\":\"1157920892373161954235709850086879078532699846656405640394575840079131296"),
      std::string::npos);
}

TEST(GraphqlPage, AnInvalidRecordKeepsItsBytesAndReasonAndItsCursor) {
  auto p = parser();
  Page page;
  const std::string body = "{\"data\":{\"stablesTransfers\":[" + record("0xa_1", 10, "-5") + "]}}";
  ASSERT_TRUE(p.parse(body, page).ok());
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_FALSE(page.records[0].valid);
  EXPECT_TRUE(page.records[0].has_cursor);
  EXPECT_EQ(page.records[0].cursor, (Cursor{10, "0xa_1"}));
  EXPECT_NE(page.records[0].reason.find("value"), std::string::npos) << page.records[0].reason;
  EXPECT_NE(page.records[0].payload.find("\"-5\""), std::string::npos);
}

TEST(GraphqlPage, TheShapeCallbackGivesTheCursorTheParseEndsWithBeforeDecoding) {
  auto p = parser();
  Page page;
  std::vector<std::pair<std::size_t, std::optional<Cursor>>> calls;
  auto record_call = [&](std::size_t received, const Cursor* last) {
    // Nothing is decoded yet when it is called.
    EXPECT_TRUE(page.records.empty());
    calls.emplace_back(received, last ? std::optional<Cursor>(*last) : std::nullopt);
  };
  // The last record has no id: the cursor is the one before it, as the parse ends with.
  std::string no_id = record("0xa_3", 12, "7");
  no_id.replace(no_id.find("\"id\""), 4, "\"xx\"");
  const std::string body = "{\"data\":{\"stablesTransfers\":[" + record("0xa_1", 10, "5") + "," +
                           record("0xa_2", 11, "-1") + "," + no_id + "]}}";
  ASSERT_TRUE(p.parse(body, page, record_call).ok());
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, 3u);
  EXPECT_EQ(calls[0].second, (Cursor{11, "0xa_2"}));
  EXPECT_EQ(page.records[1].cursor, (Cursor{11, "0xa_2"}));
  EXPECT_FALSE(page.records[2].has_cursor);

  // No record with a cursor: nullptr. Not shaped like a page: not called at all.
  calls.clear();
  ASSERT_TRUE(p.parse("{\"data\":{\"stablesTransfers\":[" + no_id + "]}}", page, record_call).ok());
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].second, std::nullopt);
  calls.clear();
  page.records.clear();
  EXPECT_FALSE(p.parse("{\"data\":{\"stablesTransfers\":{}}}", page, record_call).ok());
  EXPECT_TRUE(calls.empty());
}

TEST(GraphqlPage, TheFieldMappingRenamesBeforeValidation) {
  PageParser p("transfers", *FieldMapping::parse({"height=block_number", "amount=value"}), "height",
               "id", 1000);
  Page page;
  std::string r = record("0xa_1", 10, "5");
  r.replace(r.find("blockNumber"), 11, "height");
  r.replace(r.find("\"value\""), 7, "\"amount\"");
  ASSERT_TRUE(p.parse("{\"data\":{\"transfers\":[" + r + "]}}", page).ok());
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_TRUE(page.records[0].valid) << page.records[0].reason;
  EXPECT_EQ(page.records[0].cursor.block, 10u);
}

TEST(GraphqlPage, ErrorsGarbageAndWrongShapesFailTheWholePage) {
  auto p = parser();
  Page page;
  auto code = [&](const std::string& body) {
    auto r = p.parse(body, page);
    return r.ok() ? errc::ok : static_cast<errc>(r.error().code.value());
  };
  EXPECT_EQ(code(R"({"data":null,"errors":[{"message":"timeout"}]})"), errc::graphql_errors);
  EXPECT_EQ(code("<html>502</html>"), errc::malformed_response);
  EXPECT_EQ(code(R"({"data":{"other":[]}})"), errc::malformed_response);
  EXPECT_EQ(code(R"({"data":{"stablesTransfers":{}}})"), errc::malformed_response);
  EXPECT_EQ(code("{\"data\":{\"stablesTransfers\":[" + record("0xb", 12, "1") + "," +
                 record("0xa", 11, "1") + "]}}"),
            errc::malformed_response);
  auto r = p.parse(R"({"errors":[{"message":"field 'x' not found"}]})", page);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("field 'x' not found"), std::string::npos);
  EXPECT_EQ(code(R"({"data":{"stablesTransfers":[]}})"), errc::ok);
  EXPECT_TRUE(page.records.empty());
}

TEST(GraphqlPage, APageOfMoreRecordsThanItsSizeIsRefusedNamingBoth) {
  auto p = parser(3);
  Page page;
  std::vector<std::size_t> shapes;
  auto record_shape = [&](std::size_t received, const Cursor*) { shapes.push_back(received); };
  std::string rows;
  for (int i = 0; i < 3; ++i) rows += (i ? "," : "") + record("0xa_" + std::to_string(i), 10, "1");
  ASSERT_TRUE(p.parse("{\"data\":{\"stablesTransfers\":[" + rows + "]}}", page, record_shape).ok());
  EXPECT_EQ(page.received, 3u);

  rows += "," + record("0xa_3", 11, "1");
  auto r = p.parse("{\"data\":{\"stablesTransfers\":[" + rows + "]}}", page, record_shape);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, make_error_code(errc::malformed_response));
  EXPECT_NE(r.error().message.find("holds 4 records, more than the 3 the page asked for"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(shapes, std::vector<std::size_t>{3}) << "a refused page must not be prefetched after";
  EXPECT_TRUE(page.records.empty());
}

// simdjson's array size() saturates at 0xFFFFFF: a page sized by it once got fewer records
// than rows and wrote past them. The answer is generated (about 33 MB), not stored.
TEST(GraphqlPage, AnAnswerOfMoreThanSixteenMillionRowsIsRefusedWithItsTrueCount) {
  constexpr std::size_t kRows = 0xFFFFFF + 2;
  std::string body = "{\"data\":{\"stablesTransfers\":[";
  body.reserve(body.size() + 2 * kRows + 4);
  for (std::size_t i = 0; i < kRows; ++i) body += i == 0 ? "0" : ",0";
  body += "]}}";
  auto p = parser(1000);
  Page page;
  bool shaped = false;
  auto r = p.parse(body, page, [&](std::size_t, const Cursor*) { shaped = true; });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.error().message.find("holds " + std::to_string(kRows) + " records, more than the 1000"),
      std::string::npos)
      << r.error().message.substr(0, 300);
  EXPECT_FALSE(shaped);
  EXPECT_TRUE(page.records.empty());
}

TEST(GraphqlPage, HeadsOfBothDialects) {
  auto p = parser();
  auto envio = p.parse_head(
      R"({"data":{"_meta":[{"chainId":1,"progressBlock":120},{"chainId":10,"progressBlock":90}]}})",
      Dialect::hasura);
  ASSERT_TRUE(envio.ok()) << envio.error().message;
  EXPECT_EQ(*envio, 90u);
  auto graph =
      p.parse_head(R"({"data":{"_meta":{"block":{"number":19234567}}}})", Dialect::thegraph);
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  EXPECT_EQ(*graph, 19'234'567u);
  EXPECT_FALSE(p.parse_head(R"({"data":{"_meta":[]}})", Dialect::hasura).ok());
  EXPECT_FALSE(p.parse_head(R"({"data":{"_meta":{"block":{}}}})", Dialect::thegraph).ok());
}

}  // namespace
}  // namespace tokenflow::sources
