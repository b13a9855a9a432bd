// Proves that `tokenflow sink postgres` rides out PostgreSQL going away in the middle of a
// stream. Stopped with a batch in flight (held at the positions table by a lock of the test,
// then rolled back by the stop): the sink retries, saying so in its log, does not exit, drops
// what it had not stored and reads it again from exactly the positions the database held,
// and ends with every transfer stored once, every column as published, and the offsets
// beside them at the topic's end. Crashed right after a commit, with the sink's asynchronous
// commit and a server that surely loses the last commits: the sink notices that commits it
// saw are gone and reads again from where the database was left.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

#include "support/pipeline_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kReadAgain = "reads again from offset ";
constexpr const char* kStoredIn = " (stored in";

// The N of the first "(N messages read but not stored were dropped ...)" in `output`; -1 if
// there is none.
std::int64_t first_dropped_count(const std::string& output) {
  static const std::regex kDropped("\\(([0-9]+) messages read but not stored were dropped");
  std::smatch match;
  return std::regex_search(output, match, kDropped) ? std::stoll(match[1].str()) : -1;
}

// Waits until `sink` logs that it reads again from the stored positions, in what it printed
// after `mark` bytes; returns that part of its output.
std::string wait_for_reading_again(ChildProcess& sink, std::size_t mark) {
  std::string after;
  EXPECT_TRUE(wait_until(
      [&] {
        after = sink.output().substr(mark);
        return count_lines_with(after, {"reading again from the stored positions"}) > 0 ||
               !sink.running();
      },
      60s, 50ms));
  return after;
}

TEST(SinkSurvivesPostgresRestart, StoppedWithABatchInFlightThenEveryTransferOnce) {
  constexpr std::int64_t kCount = 20'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(static_cast<std::size_t>(kCount), 41);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);

  const auto started = Clock::now();
  auto sink = pipeline.start_sink();
  auto producer = pipeline.start_file_producer(file, {"--rate", "1500"});

  // Two outages: a long one while the producer publishes, and a short one later.
  struct Outage {
    std::int64_t after_rows;
    std::chrono::milliseconds length;
  };
  for (const Outage outage : {Outage{3000, 5000ms}, Outage{9000, 1500ms}}) {
    SCOPED_TRACE("outage after " + std::to_string(outage.after_rows) + " rows");
    ASSERT_GE(pipeline.wait_for_rows(outage.after_rows, 90s, sink.get()), outage.after_rows)
        << tail_of(*sink);
    const std::size_t mark = sink->output().size();
    std::map<int, std::int64_t> stored;
    {
      // The sink's next batch writes its rows, then waits in its open transaction for the
      // lock on the positions table; meanwhile nothing can move the stored positions.
      PostgresSession blocker(pipeline.postgres().url());
      blocker.query("BEGIN");
      blocker.query("LOCK TABLE raw.tokenflow_offsets IN EXCLUSIVE MODE");
      ASSERT_TRUE(wait_until(
          [&] {
            return pipeline.postgres()
                       .query(
                           "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                           "'raw.tokenflow_offsets'::regclass")
                       .at(0)
                       .at(0) != "0";
          },
          30s, 10ms))
          << "no batch of the sink came to store its positions:\n"
          << tail_of(*sink);
      stored = pipeline.stored_positions();
      // The sink's sessions end (waiting for their termination) while the lock is still
      // held, so the batch is rolled back, not committed as the lock goes; then the server
      // stops, ending the blocker's session too.
      blocker.query(
          "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE backend_type = "
          "'client backend' AND pid <> pg_backend_pid()");
      pipeline.postgres().stop();
    }
    std::this_thread::sleep_for(outage.length);  // the outage itself
    EXPECT_TRUE(sink->running()) << "the sink gave up while PostgreSQL was away:\n"
                                 << tail_of(*sink);
    pipeline.postgres().start();

    // It said it retries, dropped what it had not stored (the batch in flight at least),
    // and read again from exactly the positions the database held.
    const std::string after = wait_for_reading_again(*sink, mark);
    EXPECT_GE(count_lines_with(after, {"retrying in ", " ms (attempt "}), 1u) << after;
    EXPECT_GT(first_dropped_count(after), 0) << after;
    EXPECT_EQ(logged_offsets(after, kPipelineTopic, kReadAgain, kStoredIn), stored) << after;
  }

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  ASSERT_EQ(pipeline.wait_for_rows(kCount, 120s, sink.get()), kCount) << tail_of(*sink);
  ASSERT_TRUE(sink->running()) << tail_of(*sink);

  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  EXPECT_EQ(pipeline.stored_positions(), pipeline.non_empty_end_offsets());
  // What it read again it stored once: no row of it was already there.
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  const auto summary = sink_summary(sink->output());
  EXPECT_EQ(summary.stored, kCount) << tail_of(*sink);
  EXPECT_EQ(summary.duplicates, 0);
  EXPECT_GT(summary.read_again, 0);
  std::printf("%lld transfers exactly once through two PostgreSQL outages in %.1f s\n",
              static_cast<long long>(kCount),
              std::chrono::duration<double>(Clock::now() - started).count());
}

// PostgreSQL crashing (immediate shutdown) right after the sink committed a batch with
// asynchronous commit (the sink's default) loses the last commits, rows and offsets together:
// with nothing written after them and the server's WAL writer writing a page still being
// filled only every 10 s, the crash surely takes some. The sink must notice on reconnecting
// (PostgresStore::write answers errc::rewind), reload the stored offsets, read the lost
// messages from Kafka again, and carry on.
TEST(SinkSurvivesPostgresRestart, CrashRightAfterACommitRewindsAndStoresEveryTransferOnce) {
  constexpr std::int64_t kCount = 20'000;
  Pipeline pipeline(true, settings_losing_async_commits_on_crash());
  const auto transfers = make_transfers(static_cast<std::size_t>(kCount), 42);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);

  auto sink = pipeline.start_sink();
  auto producer = pipeline.start_file_producer(file, {"--rate", "1500"});
  ASSERT_GE(pipeline.wait_for_rows(3000, 90s, sink.get()), 3000) << tail_of(*sink);
  // Crash just after the sink's last commit, with nothing written after it: the producer is
  // held, the sink stores what it read and then waits, so that commit's WAL is still in the
  // server's memory (read-only queries meanwhile add none).
  producer->signal(SIGSTOP);
  std::int64_t published = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        published = sum_of(pipeline.end_offsets(kPipelineTopic, kPipelinePartitions));
        return pipeline.row_count() == published;
      },
      60s, 20ms))
      << published << " published:\n"
      << tail_of(*sink);
  const std::size_t mark = sink->output().size();
  pipeline.postgres().kill();
  std::this_thread::sleep_for(3s);  // the outage itself
  pipeline.postgres().start();
  producer->signal(SIGCONT);

  // The sink found commits it had seen gone, and went back to where the database was left:
  // for each partition, the offset the server now held (below the one it had committed).
  const std::string after = wait_for_reading_again(*sink, mark);
  static const std::regex kLost(
      "\\[([0-9]+)\\]: PostgreSQL at \\S+ holds next offset (-?[0-9]+) in \\S+ but ([0-9]+) was "
      "committed before the connection was lost");
  std::map<int, std::int64_t> left;
  for (std::sregex_iterator it(after.begin(), after.end(), kLost), end; it != end; ++it) {
    const std::int64_t held = std::stoll((*it)[2].str());
    EXPECT_LT(held, std::stoll((*it)[3].str())) << it->str();
    if (held >= 0) left.emplace(std::stoi((*it)[1].str()), held);
  }
  ASSERT_FALSE(left.empty()) << "the crash lost no commit the sink had seen:\n" << after;
  const auto read_again = logged_offsets(after, kPipelineTopic, kReadAgain, kStoredIn);
  for (const auto& [partition, held] : left) {
    ASSERT_TRUE(read_again.contains(partition)) << partition << "\n" << after;
    EXPECT_EQ(read_again.at(partition), held) << "partition " << partition;
  }

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  EXPECT_EQ(pipeline.wait_for_rows(kCount, 120s, sink.get()), kCount) << tail_of(*sink);
  ASSERT_TRUE(sink->running()) << "the sink exited after the crash:\n" << tail_of(*sink);
  // The lost rows among them: every transfer, every column as published.
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  EXPECT_EQ(pipeline.stored_positions(), pipeline.non_empty_end_offsets());
  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
