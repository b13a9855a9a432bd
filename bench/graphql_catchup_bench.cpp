// graphql_catchup_bench: how fast `tokenflow produce graphql` catches up from a GraphQL
// indexer into Kafka, and how long a block appended at the indexer takes to reach Kafka at a
// 1 s poll interval, each beside a reference measured in the same run against the same server:
//
// - catch-up: the same pages fetched from the same server by a bare loop in this process
//   (libcurl, only the cursor parsed, no Kafka), one page at a time: the server's rate for a
//   client that does nothing else. It is a ceiling for a source that fetches one page after
//   another, not a hard one for tokenflow, which asks for the next page while it decodes and
//   publishes the last (so a ratio a little above 1 is possible when the server has idle time
//   between a serial client's requests). Measured at pages of P and of 5P: each page is
//   acknowledged by Kafka before the next cursor save, so a page costs at least one
//   acknowledgement.
// - lag: a bare poller in this process on the same appends, doing what the source does and
//   nothing else (after a page that is not full, wait the poll interval, then ask for the rows
//   past its cursor; libcurl, no Kafka): the floor for a poller at that interval, which is
//   the wait for the next poll (half the interval on average) plus one fetch. Both pollers
//   run at once with their own phases, so each sample's wait differs between them; the
//   means over S samples converge on the same half interval, and what tokenflow adds above
//   the reference is its publish and acknowledgement.
//
//   graphql_catchup_bench [--blocks B] [--per-block K] [--page-size P] [--lag-samples S]
//
// Conditions (printed in the header): the test indexer (graphql-js on Node.js, Hasura
// dialect, records generated in memory), B x K transfers, pages of P; the real tokenflow
// binary as a child process (lz4, linger 5 ms, acks=all, idempotent) into the embedded
// 3-broker cluster of this process, a fresh 12-partition topic per run. Catch-up time is the
// child's whole run (start-up, metadata, every page acknowledged, cursor saved, exit). Lag: S
// blocks of 100 transfers appended one at a time, spread over a whole poll cycle, while both
// poll every 1 s; a sample is the time from the append returning to the topic's high
// watermarks covering the block (polled every 5 ms), and for the reference to the fetch that
// returned the block's rows.
//
// Checked before printing: each run's topic holds exactly the indexer's rows, every field of
// every one (id, block, timestamp, addresses, value, transaction hash, log index) equal to
// what the indexer served and no id twice; the reference fetched every row; every lag
// sample's 100 rows reached both.
#include <signal.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "codec/transfer_decoder.hpp"
#include "core/timestamp.hpp"
#include "http/http_client.hpp"
#include "kafka/admin.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/topic_follower.hpp"
#include "sources/graphql_query.hpp"
#include "support/child_process.hpp"
#include "support/graphql_server.hpp"

namespace {

using namespace tokenflow;
using bench::fail;
using Clock = std::chrono::steady_clock;
constexpr int kPartitions = 12;
constexpr const char* kRowsPointer = "/data/stablesTransfers";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::int64_t messages_in(kafka::Admin& admin, const std::string& topic) {
  std::int64_t total = 0;
  for (int p = 0; p < kPartitions; ++p) {
    auto high = admin.high_watermark(topic, core::Partition{p});
    if (!high.ok()) fail(high.error().message);
    total += high->value;
  }
  return total;
}

// One page request after another, as the source makes them; parses only the cursor of each
// answer, so that the clock around it measures the server and the transport. One thread.
class PageFetcher {
 public:
  PageFetcher(std::string endpoint, std::uint32_t page_size, sources::Cursor cursor = {})
      : endpoint_(std::move(endpoint)), cursor_(std::move(cursor)) {
    spec_.fields = {"id", "blockNumber", "timestamp",       "contractAddress", "from",
                    "to", "value",       "transactionHash", "logIndex"};
    spec_.page_size = page_size;
  }
  // The next page: the records it held (its body appended to `bodies` when given).
  std::size_t next(std::vector<std::string>* bodies = nullptr) {
    auto answer = http_.post_json(endpoint_, sources::page_request(spec_, cursor_, std::nullopt));
    if (!answer.ok() || answer->status != 200) fail("reference: a page request failed");
    simdjson::dom::element root;
    simdjson::dom::array rows;
    if (parser_.parse(answer->body.data(), answer->body.size(), true).get(root) !=
            simdjson::SUCCESS ||
        root.at_pointer(kRowsPointer).get(rows) != simdjson::SUCCESS) {
      fail("reference: not a page: " + answer->body.substr(0, 200));
    }
    const std::size_t n = rows.size();
    if (n > 0) {
      simdjson::dom::element last;
      std::string_view id;
      if (rows.at(n - 1).get(last) != simdjson::SUCCESS ||
          last["blockNumber"].get(cursor_.block) != simdjson::SUCCESS ||
          last["id"].get(id) != simdjson::SUCCESS) {
        fail("reference: a record without blockNumber or id");
      }
      cursor_.id.assign(id);
    }
    if (bodies != nullptr) bodies->push_back(std::move(answer->body));
    return n;
  }
  bool full(std::size_t records) const { return records == spec_.page_size; }
  const sources::Cursor& cursor() const { return cursor_; }

 private:
  std::string endpoint_;
  sources::PageQuerySpec spec_;
  sources::Cursor cursor_;
  http::HttpClient http_;
  simdjson::dom::parser parser_;
};

struct Pages {
  std::int64_t records = 0;
  std::vector<std::string> bodies;  // every answer, parsed after the clock stopped
  sources::Cursor end;              // the cursor after the last record
};

// Fetches every page from the start, as the source does.
Pages fetch_all_pages(const std::string& endpoint, std::uint32_t page_size) {
  PageFetcher fetcher(endpoint, page_size);
  Pages pages;
  while (true) {
    const std::size_t n = fetcher.next(&pages.bodies);
    pages.records += static_cast<std::int64_t>(n);
    if (!fetcher.full(n)) break;
  }
  pages.end = fetcher.cursor();
  return pages;
}

// A record as the indexer served it, read from its own fields: what Kafka must carry.
struct IndexerRow {
  std::uint64_t block = 0;
  core::UnixMillis timestamp{};
  core::Address contract, from, to;
  core::Uint256 value;
  std::string tx_hash;
  std::uint64_t log_index = 0;
};

std::map<std::string, IndexerRow> rows_of(const std::vector<std::string>& bodies) {
  std::map<std::string, IndexerRow> out;
  simdjson::dom::parser parser;
  for (const auto& body : bodies) {
    simdjson::dom::array rows;
    if (parser.parse(body).at_pointer(kRowsPointer).get(rows) != simdjson::SUCCESS) {
      fail("reference: not a page: " + body.substr(0, 200));
    }
    for (simdjson::dom::element r : rows) {
      std::string_view id, timestamp, contract, from, to, value, tx_hash;
      IndexerRow row;
      if (r["id"].get(id) || r["blockNumber"].get(row.block) || r["timestamp"].get(timestamp) ||
          r["contractAddress"].get(contract) || r["from"].get(from) || r["to"].get(to) ||
          r["value"].get(value) || r["transactionHash"].get(tx_hash) ||
          r["logIndex"].get(row.log_index)) {
        fail("reference: a record without the fields asked for: " + simdjson::minify(r));
      }
      auto when = core::parse_iso8601(timestamp);
      auto amount = core::Uint256::from_decimal(value);
      if (!when.ok() || !amount.ok() || !core::Address::try_parse(contract, row.contract) ||
          !core::Address::try_parse(from, row.from) || !core::Address::try_parse(to, row.to)) {
        fail("reference: the indexer served a record that is not a transfer: " +
             simdjson::minify(r));
      }
      row.timestamp = *when;
      row.value = *amount;
      row.tx_hash.assign(tx_hash);
      if (!out.emplace(std::string(id), std::move(row)).second) {
        fail("reference: the indexer served id " + std::string(id) + " twice");
      }
    }
  }
  return out;
}

// Reads all of `topic` and fails unless it holds exactly `expected`: every id once, every
// field equal to what the indexer served.
void check_topic(const kafka::ClientConfig& client, const std::string& topic,
                 const std::map<std::string, IndexerRow>& expected, const std::string& what) {
  auto follower = kafka::TopicFollower::create(client, topic);
  if (!follower.ok()) fail(what + ": " + follower.error().message);
  codec::TransferDecoder decoder;
  core::Transfer t;
  std::map<std::string, bool> seen;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (!(*follower)->caught_up()) {
    if (Clock::now() > deadline) fail(what + ": " + topic + " not read back in 120 s");
    auto message = (*follower)->poll(std::chrono::milliseconds(100));
    if (!message) continue;
    const std::string at = message->describe();
    if (!decoder.decode(message->payload(), t).ok()) fail(what + ": " + at + " is not a transfer");
    const auto it = expected.find(t.id.value);
    if (it == expected.end())
      fail(what + ": " + at + " has id " + t.id.value + ", not the indexer's");
    if (!seen.emplace(t.id.value, true).second)
      fail(what + ": " + at + ": id " + t.id.value + " twice");
    const IndexerRow& r = it->second;
    const char* differs =
        t.block_number != r.block          ? "block"
        : t.timestamp != r.timestamp       ? "timestamp"
        : t.contract_address != r.contract ? "contract address"
        : t.from_address != r.from         ? "from address"
        : t.to_address != r.to             ? "to address"
        : t.value != r.value               ? "value"
        : t.tx_hash != r.tx_hash           ? "transaction hash"
        : t.log_index != std::optional<std::uint32_t>(static_cast<std::uint32_t>(r.log_index))
            ? "log index"
            : nullptr;
    if (differs != nullptr) {
      fail(what + ": " + at + " (" + t.id.value + "): its " + differs +
           " is not what the indexer served: " + std::string(message->payload()));
    }
  }
  if (seen.size() != expected.size()) {
    std::string missing;
    for (const auto& [id, row] : expected) {
      if (!seen.contains(id)) {
        missing = id;
        break;
      }
    }
    fail(what + ": " + topic + " holds " + std::to_string(seen.size()) + " of the indexer's " +
         std::to_string(expected.size()) + " rows (missing e.g. " + missing + ")");
  }
}

// The lag's reference (the header says what it does): on its own thread from construction
// to destruction; rows() and grew_at() may be read from any thread.
class BarePoller {
 public:
  BarePoller(const std::string& endpoint, std::uint32_t page_size, sources::Cursor from,
             std::chrono::milliseconds interval)
      : fetcher_(endpoint, page_size, std::move(from)), interval_(interval) {
    thread_ = std::thread([this] { run(); });
  }
  ~BarePoller() {
    stop_.store(true);
    thread_.join();
  }
  BarePoller(const BarePoller&) = delete;
  BarePoller& operator=(const BarePoller&) = delete;
  std::int64_t rows() const { return rows_.load(); }
  // When rows() last grew: when the fetch that returned them completed.
  Clock::time_point grew_at() const { return Clock::time_point(Clock::duration(grew_at_.load())); }

 private:
  void run() {
    while (!stop_.load()) {
      const std::size_t n = fetcher_.next();
      if (n > 0) {
        grew_at_.store(Clock::now().time_since_epoch().count());
        rows_.fetch_add(static_cast<std::int64_t>(n));
      }
      if (fetcher_.full(n)) continue;
      const auto until = Clock::now() + interval_;
      for (auto now = Clock::now(); !stop_.load() && now < until; now = Clock::now()) {
        std::this_thread::sleep_for(
            std::min<Clock::duration>(until - now, std::chrono::milliseconds(20)));
      }
    }
  }
  PageFetcher fetcher_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> rows_{0};
  std::atomic<Clock::rep> grew_at_{0};
  std::thread thread_;
};

struct LagStats {
  double min = 0, median = 0, mean = 0, max = 0;
};

LagStats lag_stats(std::vector<double> lags) {
  std::sort(lags.begin(), lags.end());
  LagStats s{lags.front(), lags[lags.size() / 2], 0, lags.back()};
  for (double l : lags) s.mean += l;
  s.mean /= static_cast<double>(lags.size());
  return s;
}

int arg(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == name) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int blocks = arg(argc, argv, "--blocks", 200);
  const int per_block = arg(argc, argv, "--per-block", 500);
  const int page_size = arg(argc, argv, "--page-size", 1000);
  const int lag_samples = arg(argc, argv, "--lag-samples", 16);
  const std::int64_t total = static_cast<std::int64_t>(blocks) * per_block;
  if (blocks <= 0 || per_block <= 0 || page_size <= 0 || lag_samples <= 0) {
    fail("--blocks, --per-block, --page-size and --lag-samples must be positive");
  }
  spdlog::set_level(spdlog::level::warn);

  const auto dir = testing::make_temp_dir("graphql-bench");
  auto cluster = kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) fail("cluster: " + cluster.error().message);
  const auto client = (*cluster)->client_config();
  auto topic_for = [](const std::string& run) { return "stablecoin-transfers-" + run; };
  for (const std::string& run :
       {std::to_string(page_size), std::to_string(5 * page_size), std::string("follow")}) {
    if (auto r = (*cluster)->create_topic(topic_for(run), kPartitions); !r.ok()) {
      fail(r.error().message);
    }
  }
  if (auto r = (*cluster)->create_topic("tokenflow.dlq", 3); !r.ok()) fail(r.error().message);
  auto admin = kafka::Admin::create(client);
  if (!admin.ok()) fail(admin.error().message);
  testing::GraphqlServerOptions options;
  options.blocks = blocks;
  options.per_block = per_block;
  testing::GraphqlServer server(dir + "/server.log", options);

  auto producer_args = [&](int size, const std::string& topic, const std::string& state) {
    return std::vector<std::string>{testing::tokenflow_binary(),
                                    "produce",
                                    "graphql",
                                    "--endpoint",
                                    server.hasura_endpoint(),
                                    "--kafka-bootstrap",
                                    (*cluster)->bootstrap_servers(),
                                    "--kafka-topic",
                                    topic,
                                    "--state-file",
                                    dir + "/" + state,
                                    "--page-size",
                                    std::to_string(size)};
  };
  // For each page size: the reference (the server's page-serving rate, plain libcurl, no
  // Kafka), then tokenflow's whole catch-up as a user runs it, into a topic of its own.
  struct Row {
    int page_size;
    double reference_s;
    double catchup_s;
    double server_cpu_reference_s;  // the server's CPU while serving the reference
    double server_cpu_catchup_s;    // ... while serving tokenflow
    double tokenflow_cpu_s;         // the tokenflow child's whole run
  };
  std::vector<Row> rows;
  sources::Cursor end;
  for (int size : {page_size, 5 * page_size}) {
    double server_cpu = server.cpu_seconds();
    auto started = Clock::now();
    const auto fetched =
        fetch_all_pages(server.hasura_endpoint(), static_cast<std::uint32_t>(size));
    const double reference_s = seconds_since(started);
    const double server_cpu_reference_s = server.cpu_seconds() - server_cpu;
    if (fetched.records != total) {
      fail("the reference read " + std::to_string(fetched.records) + " records, expected " +
           std::to_string(total));
    }
    end = fetched.end;
    const std::string topic = topic_for(std::to_string(size));
    auto args = producer_args(size, topic, "catchup-" + std::to_string(size) + ".json");
    args.push_back("--exit-when-caught-up");
    server_cpu = server.cpu_seconds();
    const double children_cpu = testing::waited_children_cpu_seconds();
    started = Clock::now();
    testing::ChildProcess producer(args, dir + "/catchup.log");
    if (producer.wait(std::chrono::minutes(10)) != 0)
      fail("producer failed:\n" + producer.output());
    const double catchup_s = seconds_since(started);
    const double server_cpu_catchup_s = server.cpu_seconds() - server_cpu;
    const double tokenflow_cpu_s = testing::waited_children_cpu_seconds() - children_cpu;
    check_topic(client, topic, rows_of(fetched.bodies),
                "catch-up at pages of " + std::to_string(size));
    rows.push_back({size, reference_s, catchup_s, server_cpu_reference_s, server_cpu_catchup_s,
                    tokenflow_cpu_s});
  }

  // Lag at a 1 s poll interval: append a block, time until Kafka holds its transfers and
  // until the bare poller has fetched them.
  std::vector<double> lags, reference_lags;
  const std::string follow_topic = topic_for("follow");
  {
    auto args = producer_args(page_size, follow_topic, "follow.json");
    args.insert(args.end(), {"--poll-interval", "1"});
    testing::ChildProcess producer(args, dir + "/follow.log");
    BarePoller poller(server.hasura_endpoint(), static_cast<std::uint32_t>(page_size), end,
                      std::chrono::seconds(1));
    // It catches up from block 0 first (`total` messages), then polls every second.
    std::int64_t expected = total;
    while (messages_in(**admin, follow_topic) < expected) {
      if (!producer.running()) fail("follow producer stopped:\n" + producer.output());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (int i = 0; i < lag_samples; ++i) {
      // Spread the appends over a whole poll cycle after the previous sample (0.3 s plus a
      // golden-ratio step through 1 s): each poller's wait for its next poll then takes every
      // value in [0, 1 s) alike, whichever of the two saw the previous block last.
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + (618 * i) % 1000));
      const std::int64_t reference_expected = poller.rows() + 100;
      server.append(1, 100);
      const auto appended = Clock::now();
      expected += 100;
      while (messages_in(**admin, follow_topic) < expected) {
        if (seconds_since(appended) > 30 || !producer.running()) {
          fail("block " + std::to_string(i) + " did not reach Kafka:\n" + producer.output());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      lags.push_back(seconds_since(appended));
      while (poller.rows() < reference_expected) {
        if (seconds_since(appended) > 30) {
          fail("block " + std::to_string(i) + ": the bare poller fetched " +
               std::to_string(poller.rows() - reference_expected + 100) + " of its 100 rows");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (poller.rows() != reference_expected) {
        fail("block " + std::to_string(i) + ": the bare poller fetched " +
             std::to_string(poller.rows() - reference_expected + 100) + " rows for 100");
      }
      reference_lags.push_back(std::chrono::duration<double>(poller.grew_at() - appended).count());
    }
    producer.signal(SIGTERM);
    if (producer.wait(std::chrono::seconds(30)) != 0) {
      fail("follow producer did not stop cleanly:\n" + producer.output());
    }
  }
  check_topic(
      client, follow_topic,
      rows_of(
          fetch_all_pages(server.hasura_endpoint(), static_cast<std::uint32_t>(page_size)).bodies),
      "follow at --poll-interval 1");
  const auto stats = server.stats();
  std::filesystem::remove_all(dir);

  std::printf(
      "graphql catch-up: %lld transfers (%d blocks x %d), Hasura dialect, graphql-js "
      "test server\non Node.js (loopback), embedded 3-broker Kafka in this process, a fresh "
      "12-partition topic per run, lz4,\nacks=all, every page acknowledged by Kafka before its "
      "cursor is saved; each topic checked against\nthe indexer's rows, every field, before "
      "printing\n",
      static_cast<long long>(total), blocks, per_block);
  std::printf("%-10s %-40s %10s %14s\n", "page size", "measure", "seconds", "transfers/s");
  for (const auto& row : rows) {
    std::printf("%-10d %-40s %10.2f %14.0f\n", row.page_size,
                "reference: pages via libcurl, no Kafka", row.reference_s,
                static_cast<double>(total) / row.reference_s);
    std::printf("%-10d %-40s %10.2f %14.0f\n", row.page_size, "tokenflow -> Kafka (whole run)",
                row.catchup_s, static_cast<double>(total) / row.catchup_s);
    std::printf("%-10d %-40s %10.2f\n", row.page_size, "ratio tokenflow / reference",
                row.reference_s / row.catchup_s);
    // Who is the limit: the server's busy share of one core in each run (Node.js serves on
    // one thread), and the transfers tokenflow could carry per second of its own CPU.
    std::printf("%-10d %-40s %10.2f\n", row.page_size, "server busy, reference (cores)",
                row.server_cpu_reference_s / row.reference_s);
    std::printf("%-10d %-40s %10.2f\n", row.page_size, "server busy, tokenflow run (cores)",
                row.server_cpu_catchup_s / row.catchup_s);
    std::printf("%-10d %-40s %10.2f %14.0f\n", row.page_size,
                "tokenflow CPU (s) and transfers per CPU-s", row.tokenflow_cpu_s,
                static_cast<double>(total) / row.tokenflow_cpu_s);
  }
  const LagStats ours = lag_stats(lags), floor = lag_stats(reference_lags);
  std::printf(
      "\nlag from a block appended at the indexer to its 100 transfers, --poll-interval 1, %d "
      "samples (s)\n",
      lag_samples);
  std::printf("%-51s %8s %8s %8s %8s\n", "", "min", "median", "mean", "max");
  std::printf("%-51s %8.3f %8.3f %8.3f %8.3f\n",
              "reference: bare poller, same interval, rows fetched", floor.min, floor.median,
              floor.mean, floor.max);
  std::printf("%-51s %8.3f %8.3f %8.3f %8.3f\n", "tokenflow: in Kafka (high watermarks)", ours.min,
              ours.median, ours.mean, ours.max);
  // Each poller waits for its own next poll, so only the central figures compare.
  std::printf("%-51s %8s %+8.3f %+8.3f\n", "tokenflow - reference", "", ours.median - floor.median,
              ours.mean - floor.mean);
  std::printf("(server: %lld GraphQL requests, %lld TCP connections incl. control calls)\n",
              static_cast<long long>(stats.requests), static_cast<long long>(stats.connections));
  return 0;
}
