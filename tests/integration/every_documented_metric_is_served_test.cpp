// docs/operations.md's metric reference is the contract: every long-running role, running
// against the embedded cluster (and a real PostgreSQL for the sink) with traffic that makes
// each of its metrics appear, serves on --metrics-port every metric the table lists for it,
// of the listed type, and no tokenflow_ metric the table does not list for it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "codec/transfer_encoder.hpp"
#include "support/graphql_server.hpp"
#include "support/price_api_server.hpp"
#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/wait_until.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

struct DocumentedMetric {
  std::string type;
  std::set<std::string> roles;
};

// The rows of the table under "### Every metric": | `name` | type | labels | served by | ... |
// "sources" stands for simulate, file, graphql and prices; "consumers" for sink, alerts and stats.
std::map<std::string, DocumentedMetric> documented_metrics() {
  std::ifstream in(std::string(TOKENFLOW_SOURCE_DIR) + "/docs/operations.md");
  std::map<std::string, DocumentedMetric> metrics;
  std::string line;
  bool in_table = false;
  const std::regex row(R"(^\| `(tokenflow_[a-z0-9_]+)` \| (counter|gauge|histogram) \| [^|]* \| ([^|]+) \|)");
  while (std::getline(in, line)) {
    if (line.starts_with("### Every metric")) in_table = true;
    else if (in_table && line.starts_with("#")) break;
    std::smatch m;
    if (!in_table || !std::regex_search(line, m, row)) continue;
    DocumentedMetric metric{m[2], {}};
    std::stringstream roles(m[3]);
    std::string role;
    while (std::getline(roles, role, ',')) {
      role.erase(0, role.find_first_not_of(' '));
      role.erase(role.find_last_not_of(' ') + 1);
      if (role == "sources") {
        metric.roles.insert({"simulate", "file", "graphql", "prices"});
      } else if (role == "consumers") {
        metric.roles.insert({"sink", "alerts", "stats"});
      } else {
        metric.roles.insert(role);
      }
    }
    metrics[m[1]] = metric;
  }
  return metrics;
}

// name -> type of every family a /metrics body declares.
std::map<std::string, std::string> served_families(const std::string& body) {
  std::map<std::string, std::string> families;
  std::istringstream in(body);
  std::string line;
  const std::regex type_line(R"(^# TYPE (\S+) (\S+)$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, type_line)) families[m[1]] = m[2];
  }
  return families;
}

// What is missing (documented for `role`, not served) and what is extra (served, not
// documented for `role`, or of another type), as one readable sentence per metric.
std::vector<std::string> differences(const std::string& role, const std::string& body) {
  const auto documented = documented_metrics();
  const auto served = served_families(body);
  std::vector<std::string> out;
  for (const auto& [name, metric] : documented) {
    if (!metric.roles.contains(role)) continue;
    auto it = served.find(name);
    if (it == served.end()) {
      out.push_back(name + " is documented for " + role + " but not served");
    } else if (it->second != metric.type) {
      out.push_back(name + " is served as a " + it->second + ", documented as a " + metric.type);
    }
  }
  for (const auto& [name, type] : served) {
    auto it = documented.find(name);
    if (it == documented.end() || !it->second.roles.contains(role)) {
      out.push_back(name + " (" + type + ") is served by " + role + " but not documented for it");
    }
  }
  return out;
}

int metrics_port(ChildProcess& child, const std::string& role) {
  const std::string announced = role + ": metrics at http://0.0.0.0:";
  if (!child.wait_for_output(announced, 60s)) return -1;
  const auto log = child.output();
  return std::stoi(log.substr(log.find(announced) + announced.size()));
}

// Scrapes until the body matches the documentation (metrics such as lag in seconds or dead
// letters by reason appear once traffic made them), or the timeout; returns what is left.
std::vector<std::string> wait_for_documented(ChildProcess& child, const std::string& role,
                                             std::string& body) {
  const int port = metrics_port(child, role);
  if (port < 0) return {role + " never announced its metrics port:\n" + tail_of(child)};
  std::vector<std::string> left;
  wait_until(
      [&] {
        const auto answer = http_get(port, "/metrics");
        body = answer.body;
        left = differences(role, body);
        if (answer.status != 200 || served_families(body).empty()) {
          left.push_back("/metrics answered " + std::to_string(answer.status) +
                         " with no metric family");
        }
        return left.empty();
      },
      60s, 250ms);
  return left;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += "  " + line + "\n";
  return out;
}

class EveryDocumentedMetricIsServed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = new Pipeline();
    for (const char* topic : {"defi.swaps", "market.prices", "system.alerts", "tokenflow.late",
                              "tokenflow.stats.directory"}) {
      ASSERT_TRUE(pipeline_->cluster().create_topic(topic, 3).ok()) << topic;
    }
  }
  static void TearDownTestSuite() {
    delete pipeline_;
    pipeline_ = nullptr;
  }
  static Pipeline* pipeline_;
};
Pipeline* EveryDocumentedMetricIsServed::pipeline_ = nullptr;

TEST_F(EveryDocumentedMetricIsServed, TheDocumentationListsMetricsOfEveryRole) {
  const auto documented = documented_metrics();
  ASSERT_GE(documented.size(), 60u) << "the table under '### Every metric' was not found";
  for (const char* role : {"simulate", "file", "graphql", "prices", "sink", "alerts", "stats"}) {
    EXPECT_TRUE(std::any_of(documented.begin(), documented.end(),
                            [&](const auto& m) { return m.second.roles.contains(role); }))
        << role;
  }
}

TEST_F(EveryDocumentedMetricIsServed, BySimulateAndFile) {
  auto simulate = pipeline_->start_tokenflow(
      {"produce", "simulate", "--kafka-bootstrap", pipeline_->bootstrap(), "--count", "20000",
       "--rate", "500", "--metrics-port", "0"},
      "simulate.log");
  std::string body;
  auto left = wait_for_documented(*simulate, "simulate", body);
  EXPECT_TRUE(left.empty()) << joined(left) << body;

  // A dead letter first (missing fields, counted by reason), then enough lines at 100/s to
  // keep the producer running while it is scraped.
  auto lines = std::vector<std::string>{"{\"id\":\"x\"}"};
  for (const auto& transfer : make_transfers(2000, 5)) lines.push_back(codec::encode_transfer(transfer));
  write_lines(pipeline_->path("metrics.ndjson"), lines);
  auto file = pipeline_->start_file_producer(pipeline_->path("metrics.ndjson"),
                                             {"--rate", "100", "--metrics-port", "0"},
                                             "file.log");
  left = wait_for_documented(*file, "file", body);
  EXPECT_TRUE(left.empty()) << joined(left) << body;
}

TEST_F(EveryDocumentedMetricIsServed, ByTheGraphqlSource) {
  GraphqlServerOptions options;
  options.blocks = 20;
  options.per_block = 50;
  options.invalid = 2;  // dead letters, counted by reason
  GraphqlServer server(pipeline_->path("indexer.log"), options);
  auto args = graphql_producer_args(server.hasura_endpoint(), pipeline_->bootstrap(),
                                    pipeline_->path("cursor.json"), {"--metrics-port", "0"});
  auto graphql = pipeline_->start_tokenflow(args, "graphql.log");
  std::string body;
  auto left = wait_for_documented(*graphql, "graphql", body);
  EXPECT_TRUE(left.empty()) << joined(left) << body;
}

TEST_F(EveryDocumentedMetricIsServed, ByThePricePoller) {
  // A missing asset makes the fault series appear; the rest answers.
  PriceApiServer server(pipeline_->path("price-api.log"));
  server.set_coingecko("usd-coin", "0.9998", 1'717'000'000);
  auto args = prices_producer_args(server, "coingecko", pipeline_->bootstrap(),
                                   pipeline_->path("prices-state.json"),
                                   {"--assets", "usd-coin,tether", "--interval", "0.5",
                                    "--metrics-port", "0"});
  auto prices = pipeline_->start_tokenflow(args, "prices.log");
  std::string body;
  auto left = wait_for_documented(*prices, "prices", body);
  EXPECT_TRUE(left.empty()) << joined(left) << body;
}

TEST_F(EveryDocumentedMetricIsServed, ByTheConsumers) {
  // Traffic for all three: transfers (some of them large, so alerts fire), a message that is
  // not a transfer (dead letters by reason), swaps for the statistics.
  auto simulate = pipeline_->start_tokenflow(
      {"produce", "simulate", "--kafka-bootstrap", pipeline_->bootstrap(), "--count", "0",
       "--rate", "300"},
      "traffic.log");
  auto swaps = pipeline_->start_tokenflow(
      {"produce", "simulate", "--swaps", "--kafka-bootstrap", pipeline_->bootstrap(), "--count",
       "0", "--rate", "100"},
      "swaps.log");
  pipeline_->produce_with_kcat({{"k", "not json"}});
  pipeline_->produce_with_kcat({{"k", "not json"}}, "defi.swaps");

  auto sink = pipeline_->start_sink({"--metrics-port", "0"}, "metrics-sink.log");
  auto alerts = pipeline_->start_tokenflow(
      {"alerts", "--kafka-bootstrap", pipeline_->bootstrap(), "--no-console", "--metrics-port", "0",
       "--large-transfer", "1", "--critical-transfer", "1000000000000"},
      "alerts.log");
  auto stats = pipeline_->start_tokenflow(
      {"stats", "--kafka-bootstrap", pipeline_->bootstrap(), "--listen",
       "127.0.0.1:" + std::to_string(free_loopback_port()), "--state-dir",
       pipeline_->path("stats-state"), "--transfers-topic", "stablecoin-transfers",
       "--metrics-port", "0"},
      "stats.log");
  std::string body;
  for (auto [child, role] : {std::pair{sink.get(), "sink"}, std::pair{alerts.get(), "alerts"},
                             std::pair{stats.get(), "stats"}}) {
    auto left = wait_for_documented(*child, role, body);
    EXPECT_TRUE(left.empty()) << role << ":\n" << joined(left) << body;
  }
}

}  // namespace
}  // namespace tokenflow::testing
