// SqliteStore in a temporary file: the same semantics as the PostgreSQL store (exact
// values, duplicates ignored, positions with the rows and never back, nothing stored by a
// refused batch), plus WAL mode and a file that keeps its data across reconnects.
#include "sinks/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "sinks/errc.hpp"
#include "support/child_process.hpp"

namespace tokenflow::sinks {
namespace {

constexpr const char* kMax256 =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";
const std::string kTopic = "stablecoin-transfers";

core::Transfer transfer(const std::string& id, std::uint64_t n) {
  core::Transfer t;
  t.id.value = id;
  t.block_number = 19000000 + n;
  t.timestamp.value = 1717243197000 + static_cast<std::int64_t>(n) * 1250;
  std::array<std::uint8_t, 20> bytes{};
  bytes[0] = static_cast<std::uint8_t>(n % 7);
  t.contract_address = core::Address(bytes);
  bytes[5] = static_cast<std::uint8_t>(n);
  t.from_address = core::Address(bytes);
  bytes[19] = 0xab;
  t.to_address = core::Address(bytes);
  t.value = core::Uint256(n * 1000000007ULL);
  return t;
}

std::vector<core::Transfer> transfers(const std::string& prefix, int from, int to) {
  std::vector<core::Transfer> out;
  for (int i = from; i < to; ++i) {
    out.push_back(transfer(prefix + std::to_string(i), static_cast<std::uint64_t>(i)));
  }
  return out;
}

core::PartitionPosition position(int partition, std::int64_t offset) {
  return {kTopic, core::Partition{partition}, core::Offset{offset}};
}

// Reads with a connection of its own, as a dashboard or the sqlite3 shell would.
std::vector<std::vector<std::string>> query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<std::vector<std::string>> rows;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    auto& row = rows.emplace_back();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("tf-sqlite");
    path_ = dir_ + "/tokenflow.db";
    store_ = make_store();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<SqliteStore> make_store() {
    SqliteStoreOptions options;
    options.path = path_;
    options.busy_timeout_ms = 100;
    auto store = std::make_unique<SqliteStore>(options);
    auto c = store->connect();
    EXPECT_TRUE(c.ok()) << c.error().message;
    auto s = store->init_schema();
    EXPECT_TRUE(s.ok()) << s.error().message;
    return store;
  }
  std::uint64_t count() {
    auto n = store_->count_rows();
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : 0;
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, InitSchemaIsIdempotentAndUsesWal) {
  ASSERT_TRUE(store_->init_schema().ok());
  EXPECT_EQ(query(path_, "PRAGMA journal_mode")[0][0], "wal");
  auto indexes = query(path_,
                       "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                       "'transfers_kafka' AND sql IS NOT NULL ORDER BY name");
  ASSERT_EQ(indexes.size(), 3u);
  EXPECT_EQ(indexes[0][0], "transfers_kafka_block_number_idx");
  EXPECT_EQ(indexes[1][0], "transfers_kafka_contract_address_idx");
  EXPECT_EQ(indexes[2][0], "transfers_kafka_timestamp_idx");
  EXPECT_EQ(query(path_, "SELECT count(*) FROM tokenflow_offsets")[0][0], "0");
}

TEST_F(SqliteStoreTest, RowsReadBackExactly) {
  auto rows = transfers("0xabc_", 0, 200);
  rows[0].value = *core::Uint256::from_decimal(kMax256);
  rows[1].value = core::Uint256(0);
  rows[2].id.value = "tab\tnew\nline\\";
  rows[3].timestamp.value = 1717243197000;  // a whole second: still written with .000
  auto written = store_->write(rows, {position(0, 200)});
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, 200u);

  std::map<std::string, std::vector<std::string>> by_id;
  for (auto& row : query(path_, "SELECT id, block_number, timestamp, contract_address, "
                                "from_address, to_address, value FROM transfers_kafka")) {
    by_id[row[0]] = row;
  }
  ASSERT_EQ(by_id.size(), rows.size());
  for (const auto& t : rows) {
    const auto& row = by_id[t.id.value];
    ASSERT_EQ(row.size(), 7u) << t.id.value;
    EXPECT_EQ(row[1], std::to_string(t.block_number));
    EXPECT_EQ(*core::parse_iso8601(row[2]), t.timestamp) << row[2];
    EXPECT_EQ(row[3], t.contract_address.to_string());
    EXPECT_EQ(row[4], t.from_address.to_string());
    EXPECT_EQ(row[5], t.to_address.to_string());
    EXPECT_EQ(row[6], t.value.to_decimal());
  }
  EXPECT_EQ(by_id["0xabc_0"][6], kMax256);
  EXPECT_EQ(by_id["0xabc_3"][2], "2024-06-01T11:59:57.000Z");
  EXPECT_EQ(by_id["0xabc_5"][2], "2024-06-01T12:00:03.250Z");
  // The fixed-width text sorts in time order.
  auto latest = query(path_, "SELECT id FROM transfers_kafka ORDER BY timestamp DESC LIMIT 1");
  EXPECT_EQ(latest[0][0], "0xabc_199");
}

TEST_F(SqliteStoreTest, DuplicatesAreIgnoredAndOnlyNewRowsCounted) {
  ASSERT_TRUE(store_->write(transfers("id_", 0, 100), {}).ok());
  auto batch = transfers("id_", 50, 150);
  for (auto& t : batch) t.block_number = 1;
  batch.push_back(transfer("id_120", 1));
  batch.push_back(transfer("id_60", 1));
  auto written = store_->write(batch, {});
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, 50u);
  EXPECT_EQ(count(), 150u);
  EXPECT_EQ(query(path_, "SELECT block_number FROM transfers_kafka WHERE id = 'id_60'")[0][0],
            "19000060");
}

TEST_F(SqliteStoreTest, PositionsAreStoredWithRowsAndNeverMoveBack) {
  ASSERT_TRUE(store_->write(transfers("p_", 0, 10), {position(0, 100), position(1, 50)}).ok());
  ASSERT_TRUE(store_->write(transfers("p_", 0, 5), {position(0, 80)}).ok());
  ASSERT_TRUE(store_->write({}, {position(1, 60)}).ok());
  auto loaded = store_->load_positions(kTopic, {core::Partition{0}, core::Partition{1},
                                                core::Partition{2}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0], position(0, 100));
  EXPECT_EQ((*loaded)[1], position(1, 60));
  auto only_one = store_->load_positions(kTopic, {core::Partition{1}});
  ASSERT_TRUE(only_one.ok());
  ASSERT_EQ(only_one->size(), 1u);
  EXPECT_EQ((*only_one)[0], position(1, 60));
  EXPECT_TRUE(store_->load_positions("other", {core::Partition{0}})->empty());
}

TEST_F(SqliteStoreTest, ARefusedBatchStoresNeitherRowsNorPositions) {
  ASSERT_TRUE(store_->write(transfers("r_", 0, 10), {position(0, 10)}).ok());
  query(path_,
        "CREATE TRIGGER no_666 BEFORE INSERT ON transfers_kafka WHEN NEW.block_number = 666 "
        "BEGIN SELECT RAISE(ABORT, 'block 666 refused'); END");
  store_ = make_store();  // statements prepared before the trigger existed are re-made
  auto batch = transfers("r_", 10, 20);
  batch.back().block_number = 666;
  auto refused = store_->write(batch, {position(0, 20)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::rejected);
  EXPECT_NE(refused.error().message.find("block 666 refused"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("transfers_kafka"), std::string::npos);

  auto too_big = transfers("r_", 30, 40);
  too_big[3].block_number = ~0ULL;
  refused = store_->write(too_big, {position(0, 40)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::rejected);

  EXPECT_EQ(count(), 10u);
  auto loaded = store_->load_positions(kTopic, {core::Partition{0}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)[0], position(0, 10));
  batch.back().block_number = 667;
  auto ok = store_->write(batch, {position(0, 20)});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, 10u);
}

TEST_F(SqliteStoreTest, ALockedDatabaseIsUnavailableThenWritable) {
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto busy = store_->write(transfers("b_", 0, 10), {position(0, 10)});
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, errc::unavailable) << busy.error().message;
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  auto retried = store_->write(transfers("b_", 0, 10), {position(0, 10)});
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(*retried, 10u);
}

TEST_F(SqliteStoreTest, DataOutlivesTheConnection) {
  ASSERT_TRUE(store_->write(transfers("k_", 0, 25), {position(3, 25)}).ok());
  store_.reset();
  store_ = make_store();
  EXPECT_EQ(count(), 25u);
  auto loaded = store_->load_positions(kTopic, {core::Partition{3}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)[0], position(3, 25));
}

TEST_F(SqliteStoreTest, BadTableNamesAndMissingTablesAreRejected) {
  SqliteStoreOptions options;
  options.path = path_;
  options.table = "x\"; DROP TABLE y";
  SqliteStore bad(options);
  auto c = bad.connect();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, errc::rejected);

  options.table = "not_created";
  SqliteStore missing(options);
  ASSERT_TRUE(missing.connect().ok());
  auto w = missing.write(transfers("m_", 0, 2), {});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, errc::rejected);
  EXPECT_NE(w.error().message.find("init-schema"), std::string::npos) << w.error().message;

  options.path = dir_ + "/no/such/dir/db.sqlite";
  SqliteStore nowhere(options);
  auto n = nowhere.connect();
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.error().message.find("no/such/dir"), std::string::npos) << n.error().message;
}

}  // namespace
}  // namespace tokenflow::sinks
