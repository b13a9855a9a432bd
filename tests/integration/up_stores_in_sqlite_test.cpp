// `tokenflow up` with nothing configured: embedded cluster, simulator, SQLite sink. What it
// reports as published must be in the SQLite file, once each, with the offsets beside it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "support/child_process.hpp"

namespace tokenflow::testing {
namespace {

std::int64_t query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::int64_t value = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return value;
}

TEST(UpStoresInSqlite, EveryPublishedTransferIsStoredOnce) {
  std::string dir = make_temp_dir("tf-up");
  std::string db_path = dir + "/tokenflow.db";
  constexpr int kCount = 8000;
  ChildProcess up({tokenflow_binary(), "up", "--count", std::to_string(kCount), "--rate", "0",
                   "--duplicate-share", "0.02", "--malformed-share", "0.01", "--sqlite-path",
                   db_path},
                  dir + "/up.log", {{"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}});
  auto code = up.wait(std::chrono::seconds(180));
  ASSERT_TRUE(code.has_value()) << "tokenflow up did not finish\n" << up.output();
  ASSERT_EQ(*code, 0) << up.output();
  std::string out = up.output();
  ASSERT_NE(out.find("Summary after"), std::string::npos) << out;

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  std::int64_t rows = query_int(db, "SELECT count(*) FROM transfers_kafka");
  std::int64_t distinct = query_int(db, "SELECT count(DISTINCT id) FROM transfers_kafka");
  std::int64_t stored_offsets = query_int(db, "SELECT sum(next_offset) FROM tokenflow_offsets");
  sqlite3_close(db);
  EXPECT_EQ(rows, distinct);
  // Published = distinct transfers + injected duplicates + injected malformed = kCount; the
  // summary line states how many distinct transfers were published.
  auto pos = out.find("published");
  ASSERT_NE(pos, std::string::npos);
  std::string published_line = out.substr(pos, out.find('\n', pos) - pos);
  std::string digits;
  for (char c : published_line.substr(0, published_line.find("transfers"))) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  ASSERT_FALSE(digits.empty()) << published_line;
  EXPECT_EQ(rows, std::stoll(digits)) << published_line;
  EXPECT_GT(rows, kCount * 9 / 10);
  EXPECT_LT(rows, kCount);
  EXPECT_EQ(stored_offsets, kCount) << "the stored offsets cover every message consumed";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tokenflow::testing
