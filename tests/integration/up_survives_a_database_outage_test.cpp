// `tokenflow up` on the embedded cluster, storing in a real PostgreSQL that is stopped for
// 40 s while 5,000 transfers/s are published. The embedded cluster keeps ~5 MiB per
// partition: without backpressure most of the transfers published during the outage would
// be deleted unread (BENCHMARKS.md measured 61,627 of 422,802 kept). With it, up pauses its
// simulators while the sink is behind (the test checks it did), and every transfer of the
// run is in the table exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "support/child_process.hpp"
#include "support/pipeline_harness.hpp"
#include "support/postgres_server.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

std::int64_t rows_in(const PostgresServer& pg) {
  try {
    auto rows = pg.query("SELECT count(*) FROM raw.transfers_kafka");
    return rows.empty() ? -1 : std::stoll(rows[0][0]);
  } catch (const std::exception&) {
    return -1;  // not created yet
  }
}

TEST(UpSurvivesADatabaseOutage, NothingIsLostWhileTheSinkWaitsForPostgres) {
  PostgresServerOptions options;
  options.settings = {{"fsync", "off"}};
  PostgresServer pg(options);
  const std::string dir = make_temp_dir("tf-up-outage");
  constexpr std::int64_t kCount = 100'000;
  ChildProcess up({tokenflow_binary(), "up", "--rate", "5000", "--count", std::to_string(kCount),
                   "--listen", "127.0.0.1:0", "--quiet-alerts", "--database-url", pg.url()},
                  dir + "/up.log", {{"KAFKA_BOOTSTRAP_SERVERS", ""}});
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (rows_in(pg) < 5'000 && std::chrono::steady_clock::now() < deadline && up.running()) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_GE(rows_in(pg), 5'000) << tail_of(up);

  pg.stop();
  std::this_thread::sleep_for(40s);
  // The outage was long enough for a backlog (the sink's, or under a sanitizer the slower
  // statistics service's) to reach the gate: the simulators
  // waited instead of letting retention delete what the sink had not stored.
  EXPECT_NE(up.output().find("up: pausing the simulators: "), std::string::npos)
      << tail_of(up);
  EXPECT_TRUE(up.running()) << tail_of(up);
  pg.start();

  auto code = up.wait(240s);
  ASSERT_TRUE(code.has_value()) << "up did not finish its " << kCount << " transfers\n"
                                << tail_of(up);
  EXPECT_EQ(*code, 0) << tail_of(up);
  const std::string out = up.output();
  EXPECT_NE(out.find("up: resuming the simulators"), std::string::npos) << tail_of(up);
  EXPECT_EQ(out.find("deleted before this group read them"), std::string::npos) << tail_of(up);
  EXPECT_EQ(out.find("OFFSET OUT OF RANGE"), std::string::npos) << tail_of(up);

  // Every transfer the run published (its --count, none duplicated or malformed) is stored,
  // once (the id is the primary key), and the stored offsets cover exactly the topic.
  EXPECT_EQ(rows_in(pg), kCount) << tail_of(up);
  auto offsets = pg.query(
      "SELECT sum(next_offset) FROM raw.tokenflow_offsets WHERE topic = 'stablecoin-transfers'");
  ASSERT_EQ(offsets.size(), 1u);
  EXPECT_EQ(std::stoll(offsets[0][0]), kCount);

  // The price history went through the same outage: every tick the summary says the price
  // simulator published is in raw.price_history once.
  const std::string prices_line = "\n  prices        ";
  const auto ticks_at = out.find(prices_line);
  ASSERT_NE(ticks_at, std::string::npos) << tail_of(up);
  const auto number_at = ticks_at + prices_line.size();
  std::string published = out.substr(number_at, out.find(' ', number_at) - number_at);
  published.erase(std::remove(published.begin(), published.end(), ','), published.end());
  ASSERT_FALSE(published.empty()) << tail_of(up);
  auto ticks = pg.query("SELECT count(*), count(DISTINCT (asset, source, \"timestamp\")) FROM raw.price_history");
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_GT(std::stoll(published), 0) << tail_of(up);
  EXPECT_EQ(ticks[0][0], published) << tail_of(up);
  EXPECT_EQ(ticks[0][1], published);
}

}  // namespace
}  // namespace tokenflow::testing
