// A sink's write loop against PostgreSQL that is stopped (or crashes) in the middle of the
// stream for several seconds: the loop retries on errc::unavailable, rewinds on
// errc::rewind, and in the end every row of the "Kafka log" is stored exactly once with the
// final position beside it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "sinks/errc.hpp"
#include "sinks/postgres_store.hpp"
#include "support/pipeline_harness.hpp"
#include "support/postgres_server.hpp"

namespace tokenflow::sinks {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kRows = 100000;
constexpr std::size_t kBatch = 500;
const std::string kTopic = "stablecoin-transfers";

std::vector<core::Transfer> make_log() {
  std::vector<core::Transfer> log(kRows);
  for (std::size_t i = 0; i < kRows; ++i) {
    auto& t = log[i];
    t.id.value = "0x" + std::to_string(1000000 + i) + "_" + std::to_string(i % 13);
    t.block_number = 19000000 + i / 10;
    t.timestamp.value = 1717243197000 + static_cast<std::int64_t>(i) * 250;
    std::array<std::uint8_t, 20> bytes{};
    bytes[0] = static_cast<std::uint8_t>(i % 11);
    t.contract_address = core::Address(bytes);
    bytes[1] = static_cast<std::uint8_t>(i);
    bytes[2] = static_cast<std::uint8_t>(i >> 8);
    t.from_address = core::Address(bytes);
    bytes[3] = 7;
    t.to_address = core::Address(bytes);
    t.value = core::Uint256({i * 1000003ULL, i % 5, 0, i % 3});
  }
  return log;
}

struct LoopOutcome {
  int unavailable = 0;
  int rewinds = 0;
};

// The hand-over between the loop and the thread that takes the server away: the loop
// writes nothing between the commit that makes the outage due and the outage itself, so a
// crash finds that commit's WAL still in the server's memory (with asynchronous commit).
struct OutageCue {
  std::atomic<bool> due{false};
  std::atomic<bool> begun{false};
};

// What the sink's loop does, with an in-memory log standing in for Kafka's partition 0. Once
// a quarter of the log is stored, the outage is due and the loop waits for it to begin.
LoopOutcome run_sink_loop(PostgresStore& store, const std::vector<core::Transfer>& log,
                          OutageCue& cue) {
  LoopOutcome outcome;
  std::int64_t next = 0;
  auto reload = [&] {
    auto loaded = store.load_positions(kTopic, {core::Partition{0}});
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    next = loaded.ok() && !loaded->empty() ? loaded->front().next_offset.value : 0;
  };
  reload();
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (static_cast<std::size_t>(next) < log.size()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the loop made no progress to the end in 120 s (at " << next << ")";
      break;
    }
    const std::size_t end = std::min(log.size(), static_cast<std::size_t>(next) + kBatch);
    std::span<const core::Transfer> batch(log.data() + next, end - static_cast<std::size_t>(next));
    auto written = store.write(batch, {core::PartitionPosition{kTopic, core::Partition{0},
                                                               core::Offset{static_cast<std::int64_t>(end)}}});
    if (written.ok()) {
      next = static_cast<std::int64_t>(end);
      if (end >= kRows / 4 && !cue.due) {
        cue.due = true;
        while (!cue.begun) std::this_thread::sleep_for(1ms);
      }
      continue;
    }
    if (written.error().code == errc::unavailable) {
      ++outcome.unavailable;
      std::this_thread::sleep_for(100ms);
      (void)store.connect();  // failures are reported by the next write
      continue;
    }
    if (written.error().code == errc::rewind) {
      ++outcome.rewinds;
      reload();
      continue;
    }
    ADD_FAILURE() << written.error().message;
    break;
  }
  return outcome;
}

// Every row of the log, with every column as the log has it, and the position at its end.
void expect_exactly_once(testing::PostgresServer& server, PostgresStore& store,
                         const std::vector<core::Transfer>& log) {
  EXPECT_EQ(testing::describe_difference(testing::expected_rows(log), testing::stored_rows(server)),
            "");
  auto loaded = store.load_positions(kTopic, {core::Partition{0}});
  ASSERT_TRUE(loaded.ok());
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ(loaded->front().next_offset.value, static_cast<std::int64_t>(kRows));
}

void run_with_outage(bool crash, SynchronousCommit commit) {
  // With the loop holding still after its last commit and the WAL writer slowed down, a
  // crash under asynchronous commit almost always loses that commit, so the rewind is
  // exercised (see below for the exception).
  testing::PostgresServerOptions server_options;
  server_options.settings = testing::settings_losing_async_commits_on_crash();
  testing::PostgresServer server(server_options);
  PostgresStoreOptions options;
  options.url = server.url();
  options.synchronous_commit = commit;
  PostgresStore store(options);
  ASSERT_TRUE(store.connect().ok());
  ASSERT_TRUE(store.init_schema().ok());
  const auto log = make_log();

  OutageCue cue;
  std::thread outage([&] {
    while (!cue.due) std::this_thread::sleep_for(1ms);
    if (crash) {
      server.kill();
    } else {
      server.stop();
    }
    cue.begun = true;
    std::this_thread::sleep_for(3s);
    server.start();
  });
  const LoopOutcome outcome = run_sink_loop(store, log, cue);
  outage.join();

  EXPECT_GT(outcome.unavailable, 0) << "the outage was not noticed";
  if (commit == SynchronousCommit::on || !crash) {
    EXPECT_EQ(outcome.rewinds, 0);
  } else if (outcome.rewinds == 0) {
    // A SIGKILL loses only the WAL the WAL writer had not yet written to the OS; the writer
    // is nudged at every full WAL page, so now and then the last commit got out before the
    // kill (seen once in four runs on a loaded machine). Then nothing was lost and nothing
    // needs a rewind; a loss without one would leave rows missing, which
    // expect_exactly_once() below fails on.
    std::printf("the crash lost no acknowledged commit this time: the rewind was not needed\n");
  }
  std::printf("outage (%s, synchronous_commit %s): %d unavailable writes, %d rewinds\n",
              crash ? "crash" : "fast stop", commit == SynchronousCommit::on ? "on" : "off",
              outcome.unavailable, outcome.rewinds);
  expect_exactly_once(server, store, log);
}

TEST(StorePostgresSurvivesRestart, FastStopForSecondsMidStream) {
  run_with_outage(false, SynchronousCommit::off);
}

TEST(StorePostgresSurvivesRestart, CrashMidStreamWithAsynchronousCommit) {
  run_with_outage(true, SynchronousCommit::off);
}

TEST(StorePostgresSurvivesRestart, CrashMidStreamWithSynchronousCommit) {
  run_with_outage(true, SynchronousCommit::on);
}

}  // namespace
}  // namespace tokenflow::sinks
