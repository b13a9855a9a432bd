// `tokenflow up` with nothing configured runs every role, each checked through its public
// interface while it runs: rows in the SQLite file, alerts on system.alerts, statistics over
// HTTP, a WebSocket subscription receiving updates, the dashboard's JSON and page. SIGINT
// stops every role within 10 s with a summary line per role; a second SIGINT exits at once.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <thread>

#include "support/child_process.hpp"
#include "support/pipeline_harness.hpp"
#include "support/stats_harness.hpp"
#include "support/ws_client.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

// The text after `prefix` in `out`, up to the first of `ends`.
std::string after(const std::string& out, const std::string& prefix, const std::string& ends) {
  const auto at = out.find(prefix);
  if (at == std::string::npos) return "";
  const auto from = at + prefix.size();
  return out.substr(from, out.find_first_of(ends, from) - from);
}

std::int64_t sqlite_rows(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  std::int64_t rows = -1;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM transfers_kafka", -1, &stmt, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    rows = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

template <class Check>
bool eventually(Check check, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return check();
}

struct RunningUp {
  std::string dir = make_temp_dir("tf-up-all");
  std::string db = dir + "/tokenflow.db";
  std::unique_ptr<ChildProcess> up;
  int port = -1;
  std::string bootstrap;

  explicit RunningUp(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {tokenflow_binary(), "up", "--listen", "127.0.0.1:0",
                                     "--rate", "2000", "--swap-rate", "300", "--sqlite-path", db};
    args.insert(args.end(), extra.begin(), extra.end());
    up = std::make_unique<ChildProcess>(args, dir + "/up.log",
                                        std::map<std::string, std::string>{
                                            {"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}});
    if (!up->wait_for_output("up: dashboard at http://127.0.0.1:", 60s)) return;
    port = std::stoi(after(up->output(), "up: dashboard at http://127.0.0.1:", "/"));
    bootstrap = after(up->output(), "embedded Kafka cluster at ", " ");
  }
  ~RunningUp() {
    if (up->running()) {
      up->signal(SIGKILL);
      up->wait(10s);
    }
    std::filesystem::remove_all(dir);
  }
};

TEST(UpRunsEveryRole, EachRoleAnswersThroughItsInterfaceAndSigintStopsThemAll) {
  RunningUp run;
  ASSERT_GT(run.port, 0) << tail_of(*run.up);
  ASSERT_FALSE(run.bootstrap.empty()) << tail_of(*run.up);

  // The sink: rows arrive in the SQLite file while up runs.
  EXPECT_TRUE(eventually([&] { return sqlite_rows(run.db) > 1000; }, 60s))
      << "no rows in " << run.db << "\n" << tail_of(*run.up);

  // The statistics service: top tokens over HTTP, from swaps and transfers.
  HttpAnswer top;
  EXPECT_TRUE(eventually(
      [&] {
        top = http_get(run.port, "/v1/tokens?window=5m&sort=volume&limit=5");
        return top.status == 200 && top.body.find("\"token\":\"0x") != std::string::npos;
      },
      60s))
      << top.status << " " << top.body << "\n" << tail_of(*run.up);
  EXPECT_NE(top.body.find("\"buys\":"), std::string::npos) << top.body;

  // A WebSocket subscription to every token receives updates.
  {
    WsClient ws(run.port, "");
    ws.send(R"({"op":"subscribe","tokens":["*"]})");
    EXPECT_FALSE(ws.until("\"type\":\"update\"", 20s).empty()) << "no update pushed";
  }

  // The alert monitor: alerts on system.alerts (large transfers of the simulator).
  kafka::ClientConfig config;
  config.bootstrap_servers = run.bootstrap;
  std::vector<TopicRecord> alerts;
  EXPECT_TRUE(eventually(
      [&] {
        alerts = read_topic(config, "system.alerts", 12, 10s);
        return !alerts.empty();
      },
      90s))
      << tail_of(*run.up);
  simdjson::dom::parser parser;
  for (const auto& alert : alerts) {
    simdjson::dom::element element;
    ASSERT_EQ(parser.parse(alert.payload).get(element), simdjson::SUCCESS) << alert.payload;
    std::string_view rule;
    ASSERT_EQ(element["rule"].get(rule), simdjson::SUCCESS) << alert.payload;
    EXPECT_TRUE(rule == "large" || rule == "critical") << "up alerts on large transfers only: "
                                                        << alert.payload;
  }
  // One console line per alert, each naming its transaction's block.
  EXPECT_GE(count_lines_with(run.up->output(), {"TRANSFER  ", " -> ", "  block "}), alerts.size())
      << tail_of(*run.up);

  // The dashboard: its JSON names every role's group with partitions, the topics' counts,
  // the alerts and the top tokens; the page is served.
  HttpAnswer overview;
  EXPECT_TRUE(eventually(
      [&] {
        overview = http_get(run.port, "/api/overview");
        return overview.status == 200 &&
               overview.body.find("\"name\":\"tokenflow-up-sink\"") != std::string::npos &&
               overview.body.find("\"newest\":[{") != std::string::npos &&
               overview.body.find("\"tokens\":[{") != std::string::npos;
      },
      30s))
      << overview.status << " " << overview.body.substr(0, 3000);
  simdjson::dom::element document;
  ASSERT_EQ(parser.parse(overview.body).get(document), simdjson::SUCCESS) << overview.body;
  std::int64_t transfers_written = -1;
  for (auto topic : document["topics"].get_array()) {
    if (std::string_view(topic["name"]) == "stablecoin-transfers") {
      transfers_written = std::int64_t(topic["messages"]);
      EXPECT_EQ(std::int64_t(topic["partitions"]), 12);
    }
  }
  EXPECT_GT(transfers_written, 1000);
  // The price simulator: the dashboard shows the latest tick of every token from each of
  // its three sources.
  HttpAnswer priced;
  EXPECT_TRUE(eventually(
      [&] {
        priced = http_get(run.port, "/api/overview");
        simdjson::dom::parser price_parser;
        simdjson::dom::element doc;
        if (priced.status != 200 || price_parser.parse(priced.body).get(doc) != simdjson::SUCCESS) {
          return false;
        }
        std::set<std::string> sources, assets;
        for (auto tick : doc["prices"]["latest"].get_array()) {
          sources.insert(std::string(std::string_view(tick["source"])));
          assets.insert(std::string(std::string_view(tick["asset"])));
        }
        return sources.size() == 3 && assets.count("usd-coin") == 1 && assets.count("weth") == 1;
      },
      30s))
      << priced.body.substr(0, 3000);
  std::size_t groups = 0;
  for (auto group : document["groups"].get_array()) {
    ++groups;
    EXPECT_EQ(std::string_view(group["error"]), "") << simdjson::minify(group);
    EXPECT_GE(group["partitions"].get_array().size(), 12u) << simdjson::minify(group);
  }
  EXPECT_EQ(groups, 3u) << "sink, alerts and stats groups";
  const auto page = http_get(run.port, "/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("/dashboard.js"), std::string::npos);
  EXPECT_EQ(http_get(run.port, "/dashboard.js").status, 200u);

  // The dashboard's live feed pushes a new document at least once a second.
  {
    WsClient feed(run.port, "", "/api/stream");
    const std::string first = feed.next(5s);
    const std::string second = feed.next(5s);
    ASSERT_FALSE(first.empty());
    ASSERT_FALSE(second.empty());
    simdjson::dom::element a, b;
    simdjson::dom::parser p1, p2;
    ASSERT_EQ(p1.parse(first).get(a), simdjson::SUCCESS);
    ASSERT_EQ(p2.parse(second).get(b), simdjson::SUCCESS);
    EXPECT_GT(std::int64_t(b["at"]), std::int64_t(a["at"]));
  }

  // SIGINT: every role stops within 10 s, with a summary line per role.
  const auto asked = std::chrono::steady_clock::now();
  run.up->signal(SIGINT);
  auto code = run.up->wait(10s);
  ASSERT_TRUE(code.has_value()) << "up did not stop within 10 s of SIGINT\n" << tail_of(*run.up);
  EXPECT_EQ(*code, 0) << tail_of(*run.up);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 10s);
  const std::string out = run.up->output();
  for (const char* line : {"Summary after", "\n  simulator ", "\n  sink ", "\n  alerts ",
                           "\n  stats ", "\n  prices ", "\n  dashboard "}) {
    EXPECT_NE(out.find(line), std::string::npos) << "no '" << line << "' in\n" << tail_of(*run.up);
  }
  // What the sink says it stored is in the file.
  std::string stored = after(out, "\n  sink ", "\n");
  std::erase(stored, ',');
  const auto rows = sqlite_rows(run.db);
  EXPECT_GT(rows, 1000);
  EXPECT_NE(stored.find("holds " + std::to_string(rows) + " rows"), std::string::npos) << stored;
}

TEST(UpRunsEveryRole, ASecondSigintExitsAtOnce) {
  RunningUp run;
  ASSERT_GT(run.port, 0) << tail_of(*run.up);
  ASSERT_TRUE(eventually([&] { return sqlite_rows(run.db) > 0; }, 60s)) << tail_of(*run.up);
  run.up->signal(SIGINT);
  std::this_thread::sleep_for(50ms);
  const auto asked = std::chrono::steady_clock::now();
  run.up->signal(SIGINT);
  auto code = run.up->wait(3s);
  EXPECT_TRUE(code.has_value()) << "a second SIGINT did not end up\n" << tail_of(*run.up);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 3s);
}

TEST(UpRunsEveryRole, RolesCanBeLeftOutAndABusyPortIsAClearError) {
  {
    RunningUp run({"--no-alerts", "--no-stats"});
    ASSERT_GT(run.port, 0) << tail_of(*run.up);
    HttpAnswer overview;
    EXPECT_TRUE(eventually(
        [&] {
          overview = http_get(run.port, "/api/overview");
          return overview.status == 200 && overview.body.find("\"groups\":[{") != std::string::npos;
        },
        30s));
    EXPECT_NE(overview.body.find("the statistics service is off (--no-stats)"), std::string::npos)
        << overview.body.substr(0, 2000);
    EXPECT_NE(overview.body.find("the alert monitor is off (--no-alerts)"), std::string::npos);
    EXPECT_EQ(overview.body.find("tokenflow-up-alerts"), std::string::npos);
    EXPECT_EQ(http_get(run.port, "/v1/tokens").status, 404u);

    // Another up on the same address is refused, naming the flag.
    ChildProcess second({tokenflow_binary(), "up", "--listen", "127.0.0.1:" + std::to_string(run.port),
                         "--sqlite-path", run.dir + "/second.db"},
                        run.dir + "/second.log", {{"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}});
    auto code = second.wait(60s);
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 2) << second.output();
    EXPECT_NE(second.output().find("--listen"), std::string::npos) << second.output();
  }
}

}  // namespace
}  // namespace tokenflow::testing
