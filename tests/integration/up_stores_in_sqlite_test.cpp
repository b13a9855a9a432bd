// `tokenflow up` with nothing configured: embedded cluster, simulator, SQLite sink. kcat
// follows the transfers topic on up's embedded cluster while it runs; what the SQLite file
// holds when up is done is checked against that, not against up's own summary: every valid
// transfer on the topic once, every column as the topic carried it, nothing else, and the
// offsets stored beside the rows at the end of every partition.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <set>

#include "codec/transfer_decoder.hpp"
#include "support/child_process.hpp"
#include "support/kcat.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

// Every row `sql` returns, each value as text.
std::vector<std::vector<std::string>> sqlite_rows(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  std::vector<std::vector<std::string>> rows;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    auto& row = rows.emplace_back();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
    }
  }
  sqlite3_finalize(stmt);
  return rows;
}

TEST(UpStoresInSqlite, EveryTransferOnTheTopicIsStoredOnceAsItWasPublished) {
  std::string dir = make_temp_dir("tf-up");
  std::string db_path = dir + "/tokenflow.db";
  constexpr int kCount = 8000;
  ChildProcess up({tokenflow_binary(), "up", "--count", std::to_string(kCount), "--rate", "0",
                   "--duplicate-share", "0.02", "--malformed-share", "0.01", "--sqlite-path",
                   db_path},
                  dir + "/up.log", {{"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}});
  // The embedded cluster lives as long as up: kcat follows the topic from its announcement.
  const std::string announced = "embedded Kafka cluster at ";
  ASSERT_TRUE(up.wait_for_output(announced, 60s)) << up.output();
  const std::string log = up.output();
  const auto from = log.find(announced) + announced.size();
  const std::string bootstrap = log.substr(from, log.find(' ', from) - from);
  KcatReader kcat(bootstrap, "stablecoin-transfers", dir + "/kcat");
  auto code = up.wait(180s);
  const auto records = kcat.stop();
  ASSERT_TRUE(code.has_value()) << "tokenflow up did not finish\n" << up.output();
  ASSERT_EQ(*code, 0) << up.output();

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  std::map<std::string, std::string> stored;
  // The timestamp is held as ISO-8601 text with milliseconds: compared as microseconds.
  for (auto& row :
       sqlite_rows(db,
                   "SELECT id, block_number, CAST(strftime('%s', \"timestamp\") AS INTEGER) "
                   "* 1000000 + CAST(substr(\"timestamp\", 21, 3) AS INTEGER) * 1000, "
                   "contract_address, from_address, to_address, \"value\" FROM "
                   "transfers_kafka")) {
    stored.emplace(row[0], row_text(row[1], row[2], row[3], row[4], row[5], row[6]));
  }
  std::map<int, std::int64_t> positions;
  for (const auto& row : sqlite_rows(db,
                                     "SELECT \"partition\", next_offset FROM tokenflow_offsets "
                                     "WHERE topic = 'stablecoin-transfers'")) {
    positions[std::stoi(row[0])] = std::stoll(row[1]);
  }
  sqlite3_close(db);

  // kcat read every partition from its first offset to the end the sink stored: all that
  // was published (up waits until the sink has consumed it).
  std::map<int, std::int64_t> read_to;
  for (const auto& record : records) {
    EXPECT_EQ(record.offset, read_to[record.partition]) << "partition " << record.partition;
    read_to[record.partition] = record.offset + 1;
  }
  ASSERT_EQ(read_to, positions) << "kcat did not read the topic to where the sink stored its "
                                   "positions:\n"
                                << kcat.log();
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kCount)) << "--count messages published";

  // The expected rows: the transfers among the messages, each id once (a duplicate is the
  // same message again); the malformed ones are not transfers.
  codec::TransferDecoder decoder;
  core::Transfer transfer;
  std::vector<core::Transfer> transfers;
  std::size_t malformed = 0;
  for (const auto& record : records) {
    if (decoder.decode(record.payload, transfer).ok()) {
      transfers.push_back(transfer);
    } else {
      ++malformed;
    }
  }
  const auto expected = expected_rows(transfers);
  EXPECT_GT(transfers.size(), expected.size()) << "--duplicate-share 0.02 re-sent some";
  EXPECT_GT(malformed, 0u) << "--malformed-share 0.01 sent some";
  EXPECT_GT(expected.size(), static_cast<std::size_t>(kCount * 9 / 10));
  EXPECT_EQ(describe_difference(expected, stored), "");
  std::filesystem::remove_all(dir);
}

// `make up` twice: the embedded cluster starts empty, so the positions the first run stored
// name offsets of a log that is gone. Trusted, they made the second run skip its first
// messages (it consumed nothing of a 3,000-message run); forgotten, it reads its whole log.
TEST(UpStoresInSqlite, ASecondRunOnTheSameFileReadsItsNewLogFromTheStart) {
  std::string dir = make_temp_dir("tf-up-twice");
  std::string db_path = dir + "/tokenflow.db";
  constexpr int kCount = 3000;
  auto run = [&](const std::string& log) {
    ChildProcess up({tokenflow_binary(), "up", "--count", std::to_string(kCount), "--rate", "0",
                     "--no-alerts", "--no-stats", "--listen", "127.0.0.1:0", "--sqlite-path",
                     db_path},
                    dir + "/" + log, {{"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}});
    auto code = up.wait(120s);
    EXPECT_TRUE(code.has_value()) << "tokenflow up did not finish\n" << up.output();
    EXPECT_EQ(code.value_or(-1), 0) << up.output();
    return up.output();
  };
  auto stored_positions = [&] {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
    std::int64_t sum = 0;
    for (const auto& row : sqlite_rows(db,
                                       "SELECT next_offset FROM tokenflow_offsets "
                                       "WHERE topic = 'stablecoin-transfers'")) {
      sum += std::stoll(row[0]);
    }
    sqlite3_close(db);
    return sum;
  };
  run("first.log");
  ASSERT_EQ(stored_positions(), kCount);
  const std::string second = run("second.log");
  EXPECT_NE(second.find("forgot the positions of"), std::string::npos) << second;
  EXPECT_EQ(second.find("resumes at offset"), std::string::npos)
      << "the second run resumed from the first run's offsets\n" << second;
  // Its positions are its own log's ends: every message of it was read.
  EXPECT_EQ(stored_positions(), kCount);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tokenflow::testing
