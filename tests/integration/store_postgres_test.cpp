// PostgresStore against a real PostgreSQL server: the schema, exact round trips of every
// column, duplicates ignored, positions stored with the rows and never moving back, nothing
// stored by a rejected batch, and a server that goes away and comes back.
#include "sinks/postgres_store.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sinks/commit_sequencer.hpp"
#include "sinks/errc.hpp"
#include "support/postgres_server.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::sinks {
namespace {

using testing::PostgresServer;

constexpr const char* kMax256 =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";
constexpr const char* k78Digits =
    "100000000000000000000000000000000000000000000000000000000000000000000000000001";
constexpr std::int64_t kJune2024 = 1717243197000;  // 2024-06-01T11:59:57Z

core::Address address_of(std::uint64_t seed) {
  std::array<std::uint8_t, 20> bytes{};
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (auto& b : bytes) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ULL;
    b = static_cast<std::uint8_t>(x >> 56);
  }
  return core::Address(bytes);
}

core::Uint256 value_of(const std::string& decimal) { return *core::Uint256::from_decimal(decimal); }

core::Transfer transfer(const std::string& id, std::uint64_t n,
                        core::Uint256 value = core::Uint256(0)) {
  core::Transfer t;
  t.id.value = id;
  t.block_number = 19000000 + n;
  t.timestamp.value = kJune2024 + static_cast<std::int64_t>(n) * 1250;  // some with millis
  t.contract_address = address_of(n % 7);
  t.from_address = address_of(1000 + n);
  t.to_address = address_of(2000 + n);
  t.value = value.is_zero() ? core::Uint256(n * 1000000007ULL) : value;
  return t;
}

std::vector<core::Transfer> transfers(const std::string& prefix, int from, int to) {
  std::vector<core::Transfer> out;
  for (int i = from; i < to; ++i) {
    out.push_back(transfer(prefix + std::to_string(i), static_cast<std::uint64_t>(i)));
  }
  return out;
}

core::PartitionPosition position(const std::string& topic, int partition, std::int64_t offset) {
  return core::PartitionPosition{topic, core::Partition{partition}, core::Offset{offset}};
}

class StorePostgres : public ::testing::TestWithParam<CopyFormat> {
 protected:
  static void SetUpTestSuite() {
    testing::PostgresServerOptions options;
    options.settings = {{"fsync", "off"}, {"synchronous_commit", "off"}};
    server_ = new PostgresServer(options);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // A store on a table of its own, so tests never see each other's rows.
  std::unique_ptr<PostgresStore> make_store(const std::string& table,
                                            CopyFormat format = CopyFormat::binary) {
    PostgresStoreOptions options;
    options.url = server_->url();
    options.table = table;
    options.copy_format = format;
    auto store = std::make_unique<PostgresStore>(options);
    auto c = store->connect();
    EXPECT_TRUE(c.ok()) << c.error().message;
    auto s = store->init_schema();
    EXPECT_TRUE(s.ok()) << s.error().message;
    return store;
  }

  std::string table_for(const std::string& base) {
    return base + (GetParam() == CopyFormat::binary ? "_bin" : "_txt");
  }

  std::uint64_t count(PostgresStore& store) {
    auto n = store.count_rows();
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : 0;
  }

  static PostgresServer* server_;
};

PostgresServer* StorePostgres::server_ = nullptr;

INSTANTIATE_TEST_SUITE_P(Formats, StorePostgres,
                         ::testing::Values(CopyFormat::binary, CopyFormat::text),
                         [](const auto& param_info) {
                           return param_info.param == CopyFormat::binary ? "binary" : "text";
                         });

TEST_P(StorePostgres, InitSchemaIsIdempotentAndCreatesTheIndexes) {
  const std::string table = table_for("schema");
  auto store = make_store(table, GetParam());
  ASSERT_TRUE(store->init_schema().ok());  // a second time, with everything in place
  EXPECT_EQ(store->table_name(), "raw." + table);

  auto indexes = server_->query(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'raw' AND tablename = '" +
      table + "' ORDER BY indexname");
  ASSERT_EQ(indexes.size(), 4u);
  std::string all;
  for (const auto& row : indexes) all += row[1] + "\n";
  EXPECT_NE(all.find("UNIQUE INDEX " + table + "_pkey ON raw." + table + " USING btree (id)"),
            std::string::npos) << all;
  EXPECT_NE(all.find(table + "_block_number_idx ON raw." + table + " USING btree (block_number DESC)"),
            std::string::npos) << all;
  EXPECT_NE(all.find(table + "_contract_address_idx ON raw." + table +
                     " USING btree (contract_address)"),
            std::string::npos) << all;
  EXPECT_NE(all.find(table + "_timestamp_idx ON raw." + table +
                     " USING btree (\"timestamp\" DESC)"),
            std::string::npos) << all;

  auto columns = server_->query(
      "SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable FROM "
      "information_schema.columns WHERE table_schema = 'raw' AND table_name = '" + table +
      "' ORDER BY ordinal_position");
  ASSERT_EQ(columns.size(), 7u);
  EXPECT_EQ(columns[0][0], "id");
  EXPECT_EQ(columns[2][1], "timestamp with time zone");
  EXPECT_EQ(columns[6][1], "numeric");
  EXPECT_EQ(columns[6][2], "78");
  EXPECT_EQ(columns[6][3], "0");
  for (const auto& c : columns) EXPECT_EQ(c[4], "NO") << c[0];

  auto key = server_->query(
      "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
      "a.attnum = ANY(i.indkey) WHERE i.indrelid = 'raw.tokenflow_offsets'::regclass AND "
      "i.indisprimary ORDER BY a.attnum");
  ASSERT_EQ(key.size(), 3u);
  EXPECT_EQ(key[0][0], "target_table");
  EXPECT_EQ(key[1][0], "topic");
  EXPECT_EQ(key[2][0], "partition");
}

TEST_P(StorePostgres, RowsReadBackExactly) {
  const std::string table = table_for("exact");
  auto store = make_store(table, GetParam());
  std::vector<core::Transfer> rows = transfers("0xabc_", 0, 1000);
  // Values whose encodings have edge cases: zero, trailing zero base-10000 digits, one
  // digit short of a base-10000 group, above 64 bits, 78 digits, the maximum.
  const std::vector<std::string> values = {"1",
                                           "9999",
                                           "10000",
                                           "100000000",
                                           "1000000000000000000",
                                           "18446744073709551615",
                                           "18446744073709551616",
                                           "340282366920938463463374607431768211456",
                                           k78Digits,
                                           kMax256};
  for (std::size_t i = 0; i < values.size(); ++i) rows[i].value = value_of(values[i]);
  rows[10].value = core::Uint256(0);
  // Ids that need escaping in COPY's text format, and non-ASCII UTF-8.
  rows[11].id.value = "tab\there";
  rows[12].id.value = "new\nline\r\n";
  rows[13].id.value = "back\\slash\\.";
  rows[14].id.value = "\\.";
  rows[15].id.value = "unicode-\xc3\xa9\xe2\x82\xac";
  rows[16].id.value = std::string(256, 'x');
  rows[17].timestamp.value = 0;                 // the unix epoch
  rows[18].timestamp.value = 946684799999;      // just before PostgreSQL's epoch
  rows[19].timestamp.value = 253402300799999;   // 9999-12-31T23:59:59.999Z
  rows[20].block_number = 9223372036854775807;  // BIGINT's maximum

  auto written = store->write(rows, {position("stablecoin-transfers", 0, 1000)});
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(*written, rows.size());

  auto stored = server_->query(
      "SELECT id, block_number, (extract(epoch FROM \"timestamp\") * 1000)::bigint, "
      "contract_address, from_address, to_address, \"value\"::text FROM raw." + table);
  ASSERT_EQ(stored.size(), rows.size());
  std::map<std::string, std::vector<std::string>> by_id;
  for (auto& row : stored) by_id[row[0]] = row;
  for (const auto& t : rows) {
    auto it = by_id.find(t.id.value);
    ASSERT_NE(it, by_id.end()) << "missing id " << t.id.value;
    const auto& row = it->second;
    EXPECT_EQ(row[1], std::to_string(t.block_number)) << t.id.value;
    EXPECT_EQ(row[2], std::to_string(t.timestamp.value)) << t.id.value;
    EXPECT_EQ(row[3], t.contract_address.to_string()) << t.id.value;
    EXPECT_EQ(row[4], t.from_address.to_string()) << t.id.value;
    EXPECT_EQ(row[5], t.to_address.to_string()) << t.id.value;
    EXPECT_EQ(row[6], t.value.to_decimal()) << t.id.value;
  }
  EXPECT_EQ(by_id["0xabc_9"][6], kMax256);
  EXPECT_EQ(by_id["0xabc_8"][6], k78Digits);
  EXPECT_EQ(server_->query("SELECT to_char(\"timestamp\" AT TIME ZONE 'UTC', "
                           "'YYYY-MM-DD\"T\"HH24:MI:SS.US') FROM raw." + table +
                           " WHERE id = '0xabc_1'")[0][0],
            "2024-06-01T11:59:58.250000");
}

TEST_P(StorePostgres, DuplicatesAreIgnoredAndOnlyNewRowsCounted) {
  const std::string table = table_for("dups");
  auto store = make_store(table, GetParam());
  auto first = store->write(transfers("id_", 0, 100), {});
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, 100u);
  EXPECT_EQ(store->stats().fast_batches, 1u);

  // 50 stored ids (with different contents: the stored row must win), 50 new ones, and
  // repeats inside the batch of both kinds.
  std::vector<core::Transfer> batch = transfers("id_", 50, 150);
  for (auto& t : batch) t.block_number = 1;
  batch.push_back(transfer("id_120", 1));
  batch.push_back(transfer("id_60", 1));
  batch.push_back(transfer("id_149", 1));
  auto second = store->write(batch, {});
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, 50u);
  EXPECT_EQ(count(*store), 150u);
  EXPECT_EQ(server_->query("SELECT count(DISTINCT id) FROM raw." + table)[0][0], "150");
  EXPECT_EQ(server_->query("SELECT block_number FROM raw." + table + " WHERE id = 'id_60'")[0][0],
            std::to_string(19000060));

  // Only ids already stored: the fast path conflicts, falls back, stores nothing new.
  const auto conflicts_before = store->stats().fast_conflicts;
  auto third = store->write(transfers("id_", 10, 20), {});
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_EQ(*third, 0u);
  EXPECT_EQ(store->stats().fast_conflicts, conflicts_before + 1);
  EXPECT_EQ(count(*store), 150u);

  // Repeats inside a batch of new ids only.
  std::vector<core::Transfer> repeated = transfers("rep_", 0, 10);
  repeated.push_back(transfer("rep_3", 3));
  repeated.push_back(transfer("rep_3", 3));
  auto fourth = store->write(repeated, {});
  ASSERT_TRUE(fourth.ok()) << fourth.error().message;
  EXPECT_EQ(*fourth, 10u);
  EXPECT_EQ(count(*store), 160u);
}

TEST_P(StorePostgres, PositionsAreStoredWithRowsAndNeverMoveBack) {
  const std::string table = table_for("positions");
  auto store = make_store(table, GetParam());
  const std::string topic = "stablecoin-transfers";
  ASSERT_TRUE(store->write(transfers("p_", 0, 10),
                           {position(topic, 0, 100), position(topic, 1, 50),
                            position("other.topic", 0, 7)})
                  .ok());

  auto loaded = store->load_positions(topic, {core::Partition{0}, core::Partition{1},
                                              core::Partition{2}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 2u);  // partition 2 was never written
  EXPECT_EQ((*loaded)[0], position(topic, 0, 100));
  EXPECT_EQ((*loaded)[1], position(topic, 1, 50));

  // A late retry of an older batch: rows are duplicates, the position stays where it was.
  auto older = store->write(transfers("p_", 0, 5), {position(topic, 0, 80)});
  ASSERT_TRUE(older.ok()) << older.error().message;
  EXPECT_EQ(*older, 0u);
  // A batch with no rows (all dead-lettered) still moves its positions forward.
  ASSERT_TRUE(store->write({}, {position(topic, 1, 60)}).ok());
  // A partition named twice in one batch: the greater offset counts.
  ASSERT_TRUE(store->write(transfers("p_", 10, 12),
                           {position(topic, 2, 9), position(topic, 2, 12)})
                  .ok());

  loaded = store->load_positions(topic, {core::Partition{0}, core::Partition{1},
                                         core::Partition{2}});
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 3u);
  EXPECT_EQ((*loaded)[0], position(topic, 0, 100));
  EXPECT_EQ((*loaded)[1], position(topic, 1, 60));
  EXPECT_EQ((*loaded)[2], position(topic, 2, 12));

  auto other = store->load_positions("other.topic", {core::Partition{0}});
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].next_offset.value, 7);

  // Positions are keyed by the target table: another table's sink starts from nothing.
  auto elsewhere = make_store(table + "_2", GetParam());
  auto none = elsewhere->load_positions(topic, {core::Partition{0}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto stored = server_->query("SELECT target_table, topic, partition, next_offset FROM "
                               "raw.tokenflow_offsets WHERE target_table = 'raw." + table +
                               "' ORDER BY topic, partition");
  ASSERT_EQ(stored.size(), 4u);
  EXPECT_EQ(stored[0], (std::vector<std::string>{"raw." + table, "other.topic", "0", "7"}));
}

// The commit gate: asked once the batch is in the open transaction; refusing it rolls
// everything back. Two sessions writing at once commit in the order their gates open, and
// the one waiting holds its rows invisible until then.
TEST_P(StorePostgres, ACommitGateDecidesAndOrdersCommits) {
  const std::string table = table_for("gated");
  auto first = make_store(table, GetParam());
  auto second = make_store(table, GetParam());
  const std::string topic = "stablecoin-transfers";

  int asked = 0;
  auto refused = first->write(transfers("g_", 0, 50), {position(topic, 0, 50)}, [&] {
    ++asked;
    return false;
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, make_error_code(errc::aborted)) << refused.error().message;
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(count(*first), 0u);
  auto none = first->load_positions(topic, {core::Partition{0}});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  CommitSequencer sequencer;
  std::atomic<bool> second_at_gate{false};
  std::atomic<bool> second_done{false};
  std::atomic<bool> first_committed{false};
  bool first_committed_before_second_went{false};
  core::Result<std::size_t> later = std::size_t{0};
  std::thread other([&] {
    later = second->write(transfers("g_", 100, 160), {position(topic, 0, 160)}, [&] {
      second_at_gate = true;
      const bool turn = sequencer.wait_turn(1);
      first_committed_before_second_went = first_committed.load();
      return turn;
    });
    second_done = true;
  });
  // Batch 1 is in its open transaction, at the gate: it cannot commit before batch 0, and
  // its rows stay invisible meanwhile.
  EXPECT_TRUE(testing::wait_until([&] { return second_at_gate.load(); }, std::chrono::seconds(30)))
      << "batch 1 never reached its commit gate";
  EXPECT_FALSE(second_done.load());
  EXPECT_EQ(count(*first), 0u);
  auto earlier = first->write(transfers("g_", 0, 100), {position(topic, 0, 100)}, [&] {
    EXPECT_FALSE(second_done.load()) << "batch 1 committed before batch 0";
    return sequencer.wait_turn(0);
  });
  ASSERT_TRUE(earlier.ok()) << earlier.error().message;
  first_committed = true;
  sequencer.committed(0);
  other.join();
  EXPECT_TRUE(first_committed_before_second_went)
      << "batch 1's gate opened before batch 0 committed";
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_EQ(*earlier, 100u);
  EXPECT_EQ(*later, 60u);
  EXPECT_EQ(count(*first), 160u);
  auto stored = first->load_positions(topic, {core::Partition{0}});
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0], position(topic, 0, 160));
}

TEST_P(StorePostgres, ARejectedBatchStoresNeitherRowsNorPositions) {
  const std::string table = table_for("rejected");
  auto store = make_store(table, GetParam());
  const std::string topic = "stablecoin-transfers";
  ASSERT_TRUE(store->write(transfers("r_", 0, 10), {position(topic, 0, 10)}).ok());

  // The server says no: a constraint the batch's last row breaks.
  server_->query("ALTER TABLE raw." + table + " ADD CONSTRAINT no_666 CHECK (block_number <> 666)");
  std::vector<core::Transfer> batch = transfers("r_", 10, 20);
  batch.back().block_number = 666;
  auto refused = store->write(batch, {position(topic, 0, 20), position(topic, 1, 5)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::rejected);
  EXPECT_NE(refused.error().message.find("raw." + table), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("no_666"), std::string::npos) << refused.error().message;

  // The same when one of them conflicts first (the fast path falls back, then fails).
  batch.front() = transfer("r_3", 3);
  refused = store->write(batch, {position(topic, 0, 20)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::rejected);

  // A row we cannot encode (TEXT holds no NUL byte): refused before the server sees it.
  std::vector<core::Transfer> bad = transfers("r_", 30, 40);
  bad[5].id.value = std::string("nul\0inside", 10);
  refused = store->write(bad, {position(topic, 0, 40)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::rejected);
  EXPECT_NE(refused.error().message.find("NUL"), std::string::npos) << refused.error().message;

  EXPECT_EQ(count(*store), 10u);
  auto loaded = store->load_positions(topic, {core::Partition{0}, core::Partition{1}});
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0], position(topic, 0, 10));

  // The session is still good for the next batch.
  server_->query("ALTER TABLE raw." + table + " DROP CONSTRAINT no_666");
  auto ok = store->write(batch, {position(topic, 0, 20)});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok, 9u);  // r_3 was already stored
  EXPECT_EQ(count(*store), 19u);
}

TEST_P(StorePostgres, BadNamesAndAMissingTableAreRejectedWithTheFix) {
  PostgresStoreOptions options;
  options.url = server_->url();
  options.table = "transfers; DROP TABLE x";
  PostgresStore bad_name(options);
  auto c = bad_name.connect();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, errc::rejected);
  EXPECT_NE(c.error().message.find("table name"), std::string::npos) << c.error().message;

  options.table = table_for("never_created");
  options.positions_table = "positions_never_created";
  PostgresStore missing(options);
  ASSERT_TRUE(missing.connect().ok());
  auto w = missing.write(transfers("m_", 0, 3), {position("t", 0, 3)});
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, errc::rejected);
  EXPECT_NE(w.error().message.find("init-schema"), std::string::npos) << w.error().message;

  options.url = "postgresql://user:secret@127.0.0.1:1/db?sslmode=disable&password=hunter2";
  PostgresStore unreachable(options);
  auto u = unreachable.connect();
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code, errc::unavailable);
  EXPECT_EQ(u.error().message.find("secret"), std::string::npos) << u.error().message;
  EXPECT_EQ(u.error().message.find("hunter2"), std::string::npos) << u.error().message;
}

// The server goes away between batches: write says unavailable, and after the server is
// back, connect() and the same batch again store everything exactly once.
TEST(StorePostgresRestart, UnavailableWhileStoppedThenExactlyOnceAfterReconnect) {
  testing::PostgresServerOptions server_options;
  server_options.settings = {{"fsync", "off"}};
  PostgresServer server(server_options);
  PostgresStoreOptions options;
  options.url = server.url();
  PostgresStore store(options);
  ASSERT_TRUE(store.connect().ok());
  ASSERT_TRUE(store.init_schema().ok());
  const std::string topic = "stablecoin-transfers";
  ASSERT_TRUE(store.write(transfers("s_", 0, 500), {position(topic, 0, 500)}).ok());

  server.stop();
  const auto batch = transfers("s_", 500, 1000);
  auto down = store.write(batch, {position(topic, 0, 1000)});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, errc::unavailable) << down.error().message;
  auto reconnect = store.connect();
  ASSERT_FALSE(reconnect.ok());
  EXPECT_EQ(reconnect.error().code, errc::unavailable) << reconnect.error().message;
  down = store.write(batch, {position(topic, 0, 1000)});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, errc::unavailable);

  server.start();
  auto back = store.connect();
  ASSERT_TRUE(back.ok()) << back.error().message;
  auto retried = store.write(batch, {position(topic, 0, 1000)});
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(*retried, 500u);
  EXPECT_EQ(*store.count_rows(), 1000u);
  EXPECT_EQ(server.query("SELECT count(DISTINCT id) FROM raw.transfers_kafka")[0][0], "1000");
  auto loaded = store.load_positions(topic, {core::Partition{0}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)[0].next_offset.value, 1000);
}

// With asynchronous commit a server crash can lose batches the store saw committed. The
// store notices on reconnect and refuses to write past the hole until the sink reloads its
// positions (and so reads the lost messages from Kafka again).
TEST(StorePostgresRestart, LostAcknowledgedPositionsDemandARewind) {
  testing::PostgresServerOptions server_options;
  server_options.settings = {{"fsync", "off"}};
  PostgresServer server(server_options);
  PostgresStoreOptions options;
  options.url = server.url();
  options.synchronous_commit = SynchronousCommit::off;
  PostgresStore store(options);
  ASSERT_TRUE(store.connect().ok());
  ASSERT_TRUE(store.init_schema().ok());
  const std::string topic = "stablecoin-transfers";
  ASSERT_TRUE(store.write(transfers("l_", 0, 100), {position(topic, 0, 100), position(topic, 1, 40)})
                  .ok());
  ASSERT_TRUE(store.write(transfers("l_", 100, 200), {position(topic, 0, 200)}).ok());

  // What a crash with asynchronous commit can leave: the last batch gone, rows and position.
  // The loss is made by hand below; before the crash everything is made durable, so that
  // what the crash itself loses of the asynchronous commits (the schema, on a loaded
  // machine) cannot decide the test.
  server.query("CHECKPOINT");
  server.kill();
  server.start();
  server.query("DELETE FROM raw.transfers_kafka WHERE id IN (SELECT 'l_' || g FROM "
               "generate_series(100, 199) g)");
  server.query("UPDATE raw.tokenflow_offsets SET next_offset = 100 WHERE partition = 0");

  ASSERT_TRUE(store.connect().ok());
  // Partition 1 lost nothing and carries on; partition 0 must rewind first.
  ASSERT_TRUE(store.write({}, {position(topic, 1, 41)}).ok());
  auto refused = store.write(transfers("l_", 200, 300), {position(topic, 0, 300)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, errc::rewind) << refused.error().message;
  EXPECT_NE(refused.error().message.find("stablecoin-transfers[0]"), std::string::npos);

  auto loaded = store.load_positions(topic, {core::Partition{0}});
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].next_offset.value, 100);
  // The sink re-reads offsets 100.. and writes them again.
  auto replayed = store.write(transfers("l_", 100, 300), {position(topic, 0, 300)});
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_EQ(*replayed, 200u);
  EXPECT_EQ(*store.count_rows(), 300u);

  // A clean restart loses nothing: no rewind is asked for.
  server.stop();
  server.start();
  ASSERT_TRUE(store.connect().ok());
  auto after = store.write(transfers("l_", 300, 310), {position(topic, 0, 310)});
  ASSERT_TRUE(after.ok()) << after.error().message;
}

}  // namespace
}  // namespace tokenflow::sinks
