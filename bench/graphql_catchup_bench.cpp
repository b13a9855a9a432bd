// graphql_catchup_bench: how fast `tokenflow produce graphql` catches up from a GraphQL
// indexer into Kafka, beside the reference measured in the same run: the same pages fetched
// from the same server with plain libcurl and no Kafka (the server's own page-serving rate,
// the ceiling tokenflow can reach), and how long a block appended at the indexer takes to
// reach Kafka at a 1 s poll interval.
//
//   graphql_catchup_bench [--blocks B] [--per-block K] [--page-size P] [--lag-samples S]
//
// Catch-up is measured at pages of P and of 5P: each page is acknowledged by Kafka before
// the next cursor save, so a page costs at least one acknowledgement round trip.
//
// Conditions (printed in the header): the test indexer (graphql-js on Node.js, Hasura
// dialect, records generated in memory), B x K transfers, pages of P; the real tokenflow
// binary as a child process (lz4, linger 5 ms, acks=all, idempotent) into the embedded
// 3-broker cluster of this process, one 12-partition topic. Catch-up time is the child's
// whole run (start-up, metadata, every page acknowledged, cursor saved, exit). Lag: S
// blocks of 100 transfers appended one at a time while the producer polls every 1 s; each
// sample is the time from the append returning to the topic's high watermarks covering the
// block (polled every 5 ms). Checked before printing: the topic holds exactly B x K
// messages after the catch-up, and every lag sample's 100 messages arrived.
#include <signal.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "http/http_client.hpp"
#include "kafka/admin.hpp"
#include "kafka/embedded_cluster.hpp"
#include "sources/graphql_query.hpp"
#include "support/child_process.hpp"
#include "support/graphql_server.hpp"

namespace {

using namespace tokenflow;
using Clock = std::chrono::steady_clock;
constexpr int kPartitions = 12;
constexpr const char* kTopic = "stablecoin-transfers";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::int64_t messages_in(kafka::Admin& admin) {
  std::int64_t total = 0;
  for (int p = 0; p < kPartitions; ++p) {
    auto high = admin.high_watermark(kTopic, core::Partition{p});
    if (!high.ok()) throw std::runtime_error(high.error().message);
    total += high->value;
  }
  return total;
}

// Fetches every page the way the source does, parsing only the cursor; returns records read.
std::int64_t fetch_all_pages(const std::string& endpoint, std::uint32_t page_size) {
  http::HttpClient http;
  sources::PageQuerySpec spec;
  spec.fields = {"id", "blockNumber", "timestamp",       "contractAddress", "from",
                 "to", "value",       "transactionHash", "logIndex"};
  spec.page_size = page_size;
  sources::Cursor cursor;
  simdjson::dom::parser parser;
  std::int64_t records = 0;
  while (true) {
    auto answer = http.post_json(endpoint, sources::page_request(spec, cursor, std::nullopt));
    if (!answer.ok() || answer->status != 200) throw std::runtime_error("reference fetch failed");
    simdjson::dom::element root;
    simdjson::dom::array rows;
    if (parser.parse(answer->body.data(), answer->body.size(), true).get(root) !=
            simdjson::SUCCESS ||
        root.at_pointer("/data/stablesTransfers").get(rows) != simdjson::SUCCESS) {
      throw std::runtime_error("reference: not a page: " + answer->body.substr(0, 200));
    }
    if (rows.size() == 0) break;
    records += static_cast<std::int64_t>(rows.size());
    simdjson::dom::element last;
    std::string_view id;
    if (rows.at(rows.size() - 1).get(last) != simdjson::SUCCESS ||
        last["blockNumber"].get(cursor.block) != simdjson::SUCCESS ||
        last["id"].get(id) != simdjson::SUCCESS) {
      throw std::runtime_error("reference: a record without blockNumber or id");
    }
    cursor.id.assign(id);
    if (rows.size() < page_size) break;
  }
  return records;
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
  const int lag_samples = arg(argc, argv, "--lag-samples", 8);
  const std::int64_t total = static_cast<std::int64_t>(blocks) * per_block;
  spdlog::set_level(spdlog::level::warn);

  const auto dir = testing::make_temp_dir("graphql-bench");
  auto cluster = kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) {
    std::fprintf(stderr, "cluster: %s\n", cluster.error().message.c_str());
    return 1;
  }
  if (!(*cluster)->create_topic(kTopic, kPartitions).ok() ||
      !(*cluster)->create_topic("tokenflow.dlq", 3).ok()) {
    std::fprintf(stderr, "cannot create topics\n");
    return 1;
  }
  auto admin = kafka::Admin::create((*cluster)->client_config());
  if (!admin.ok()) return 1;
  testing::GraphqlServerOptions options;
  options.blocks = blocks;
  options.per_block = per_block;
  testing::GraphqlServer server(dir + "/server.log", options);

  auto producer_args = [&](int size, const std::string& state) {
    return std::vector<std::string>{testing::tokenflow_binary(),
                                    "produce",
                                    "graphql",
                                    "--endpoint",
                                    server.hasura_endpoint(),
                                    "--kafka-bootstrap",
                                    (*cluster)->bootstrap_servers(),
                                    "--state-file",
                                    dir + "/" + state,
                                    "--page-size",
                                    std::to_string(size)};
  };
  // For each page size: the reference (the server's page-serving rate, plain libcurl, no
  // Kafka), then tokenflow's whole catch-up as a user runs it, into the same topic.
  struct Row {
    int page_size;
    double reference_s;
    double catchup_s;
    double server_cpu_reference_s;  // the server's CPU while serving the reference
    double server_cpu_catchup_s;    // ... while serving tokenflow
    double tokenflow_cpu_s;         // the tokenflow child's whole run
  };
  std::vector<Row> rows;
  std::int64_t expected = 0;
  for (int size : {page_size, 5 * page_size}) {
    double server_cpu = server.cpu_seconds();
    auto started = Clock::now();
    const auto fetched =
        fetch_all_pages(server.hasura_endpoint(), static_cast<std::uint32_t>(size));
    const double reference_s = seconds_since(started);
    const double server_cpu_reference_s = server.cpu_seconds() - server_cpu;
    if (fetched != total) {
      std::fprintf(stderr, "reference read %lld records, expected %lld\n",
                   static_cast<long long>(fetched), static_cast<long long>(total));
      return 1;
    }
    auto args = producer_args(size, "catchup-" + std::to_string(size) + ".json");
    args.push_back("--exit-when-caught-up");
    server_cpu = server.cpu_seconds();
    const double children_cpu = testing::waited_children_cpu_seconds();
    started = Clock::now();
    testing::ChildProcess producer(args, dir + "/catchup.log");
    if (producer.wait(std::chrono::minutes(10)) != 0) {
      std::fprintf(stderr, "producer failed:\n%s\n", producer.output().c_str());
      return 1;
    }
    const double catchup_s = seconds_since(started);
    const double server_cpu_catchup_s = server.cpu_seconds() - server_cpu;
    const double tokenflow_cpu_s = testing::waited_children_cpu_seconds() - children_cpu;
    expected += total;
    if (const auto in_kafka = messages_in(**admin); in_kafka != expected) {
      std::fprintf(stderr, "Kafka holds %lld messages, expected %lld\n",
                   static_cast<long long>(in_kafka), static_cast<long long>(expected));
      return 1;
    }
    rows.push_back({size, reference_s, catchup_s, server_cpu_reference_s, server_cpu_catchup_s,
                    tokenflow_cpu_s});
  }

  // Lag at a 1 s poll interval: append a block, time until Kafka holds its transfers.
  std::vector<double> lags;
  {
    auto args = producer_args(page_size, "follow.json");
    args.insert(args.end(), {"--poll-interval", "1"});
    testing::ChildProcess producer(args, dir + "/follow.log");
    // It catches up from block 0 first (another `total` messages), then polls every second.
    expected += total;
    while (messages_in(**admin) < expected) {
      if (!producer.running()) {
        std::fprintf(stderr, "follow producer stopped:\n%s\n", producer.output().c_str());
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (int i = 0; i < lag_samples; ++i) {
      // Spread the appends over the poll cycle.
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + (137 * i) % 700));
      server.append(1, 100);
      const auto appended = Clock::now();
      expected += 100;
      while (messages_in(**admin) < expected) {
        if (seconds_since(appended) > 30 || !producer.running()) {
          std::fprintf(stderr, "block %d did not reach Kafka:\n%s\n", i, producer.output().c_str());
          return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      lags.push_back(seconds_since(appended));
    }
    producer.signal(SIGTERM);
    if (producer.wait(std::chrono::seconds(30)) != 0) {
      std::fprintf(stderr, "follow producer did not stop cleanly:\n%s\n",
                   producer.output().c_str());
      return 1;
    }
  }
  std::sort(lags.begin(), lags.end());
  double mean = 0;
  for (double l : lags) mean += l;
  mean /= static_cast<double>(lags.size());
  const auto stats = server.stats();
  std::filesystem::remove_all(dir);

  std::printf(
      "graphql catch-up: %lld transfers (%d blocks x %d), Hasura dialect, graphql-js "
      "test server\non Node.js (loopback), embedded 3-broker Kafka in this process, 12 "
      "partitions, lz4,\nacks=all, every page acknowledged by Kafka before its cursor is "
      "saved\n",
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
  std::printf(
      "\nlag from a block appended at the indexer to its 100 transfers in Kafka, "
      "--poll-interval 1, %d samples\n",
      lag_samples);
  std::printf("%-51s %10.3f\n", "min (s)", lags.front());
  std::printf("%-51s %10.3f\n", "median (s)", lags[lags.size() / 2]);
  std::printf("%-51s %10.3f\n", "mean (s) [reference: poll interval / 2 = 0.5]", mean);
  std::printf("%-51s %10.3f\n", "max (s)", lags.back());
  std::printf("(server: %lld GraphQL requests, %lld TCP connections incl. control calls)\n",
              static_cast<long long>(stats.requests), static_cast<long long>(stats.connections));
  return 0;
}
