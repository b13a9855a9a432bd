// up_bench: `tokenflow up` with every role on (embedded cluster, simulator, SQLite sink,
// alert monitor, statistics service, dashboard), as a user runs it.
//
//   1. The highest simulator rate up sustains: rates are tried in turn, each for --seconds;
//      a rate is sustained when the simulator published at least 95% of it, the sink and
//      the monitor consumed at least 95% of that, no group's oldest unread message is older
//      than 5 s at the end, and the retention gate never paused the simulators. Beside it, in the same run, the standalone rates of the sink
//      (up --no-alerts --no-stats --rate 0) and of the alert monitor (--no-sink --no-stats
//      --rate 0): the ceiling each role has on its own.
//   2. CPU per role at the default rate (2,000 transfers/s, 200 swaps/s): the process's CPU
//      seconds per second with only that role on, minus the same with every role off (the
//      cluster, the simulators and the dashboard).
//   3. The dashboard's JSON (/api/overview) under wrk, beside /healthz on the same server.
//
// Every figure comes from up's own dashboard JSON (its roles' counters) or from /proc; a run
// whose figures contradict each other (stored more than published, a role that never
// started) fails the benchmark instead of printing.
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "support/child_process.hpp"
#include "support/stats_harness.hpp"
#include "wrk_runner.hpp"

namespace {

using namespace tokenflow;
using namespace std::chrono_literals;
using bench::fail;
using bench::with_commas;

double process_cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Sample {
  double at = 0;  // seconds, steady clock
  double cpu = 0;
  double published = 0, stored = 0, checked = 0, counted = 0;
  double worst_lag_seconds = 0;
};

struct Run {
  std::unique_ptr<testing::ChildProcess> up;
  int port = -1;
  std::string dir;

  Run(const std::vector<std::string>& extra, const std::string& name) {
    dir = testing::make_temp_dir("tf-up-bench");
    std::vector<std::string> args = {testing::tokenflow_binary(), "up", "--listen", "127.0.0.1:0",
                                     "--quiet-alerts", "--sqlite-path", dir + "/tokenflow.db"};
    args.insert(args.end(), extra.begin(), extra.end());
    up = std::make_unique<testing::ChildProcess>(
        args, dir + "/up.log",
        std::map<std::string, std::string>{{"KAFKA_BOOTSTRAP_SERVERS", ""}, {"DATABASE_URL", ""}});
    if (!up->wait_for_output("up: dashboard at http://127.0.0.1:", 60s)) {
      fail(name + ": up did not start:\n" + up->output());
    }
    const std::string out = up->output();
    const auto at = out.find("up: dashboard at http://127.0.0.1:") + 34;
    port = std::stoi(out.substr(at, out.find('/', at) - at));
  }
  ~Run() {
    if (up->running()) {
      up->signal(SIGINT);
      if (!up->wait(20s)) up->signal(SIGKILL);
    }
    std::filesystem::remove_all(dir);
  }

  Sample sample() {
    Sample s;
    s.at = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    s.cpu = process_cpu_seconds(up->pid());
    const auto answer = testing::http_get(port, "/api/overview");
    if (answer.status != 200) fail("GET /api/overview answered " + std::to_string(answer.status));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(answer.body).get(doc) != simdjson::SUCCESS) fail("/api/overview is not JSON");
    auto number = [&](const char* role, const char* field) {
      std::int64_t v = 0;
      return doc["roles"][role][field].get(v) == simdjson::SUCCESS ? static_cast<double>(v) : 0.0;
    };
    s.published = number("simulator", "transfers");
    s.stored = number("sink", "stored");
    s.checked = number("alerts", "transfers");
    s.counted = number("stats", "events");
    for (auto group : doc["groups"].get_array()) {
      double lag = 0;
      if (group["lag_seconds"].get(lag) == simdjson::SUCCESS) {
        s.worst_lag_seconds = std::max(s.worst_lag_seconds, lag);
      }
    }
    return s;
  }
  bool paused() const { return up->output().find("pausing the simulators") != std::string::npos; }
};

struct Rates {
  double published = 0, stored = 0, checked = 0, counted = 0, cpu = 0, worst_lag = 0;
  bool paused = false;
};

// Runs up with `extra` for a warm-up, then measures over `seconds`.
Rates measure(const std::vector<std::string>& extra, int seconds, const std::string& name) {
  Run run(extra, name);
  // Warm-up: the cluster's first assignment takes 3 s, then the consumers catch up with what
  // was published meanwhile; measured from when every group is within 2 s (or after 30 s).
  std::this_thread::sleep_for(4s);
  for (int i = 0; i < 26 && run.sample().worst_lag_seconds > 2.0; ++i) std::this_thread::sleep_for(1s);
  const Sample a = run.sample();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const Sample b = run.sample();
  const double dt = b.at - a.at;
  Rates r;
  r.published = (b.published - a.published) / dt;
  r.stored = (b.stored - a.stored) / dt;
  r.checked = (b.checked - a.checked) / dt;
  r.counted = (b.counted - a.counted) / dt;
  r.cpu = (b.cpu - a.cpu) / dt;
  r.worst_lag = b.worst_lag_seconds;
  r.paused = run.paused();
  if (b.stored > b.published || b.checked > b.published) {
    fail(name + ": a role consumed more transfers than were published");
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 10;
  std::vector<double> rates = {2'000, 5'000, 10'000, 20'000, 40'000};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) seconds = std::stoi(argv[++i]);
    if (arg == "--quick") {
      seconds = 5;
      rates = {2'000, 10'000};
    }
  }
  std::printf("up_bench: tokenflow up, embedded cluster (12 partitions), SQLite sink, %d s per "
              "run, load %s\n\n",
              seconds, bench::load_average().c_str());

  // 1. The highest sustained rate, and each consumer's standalone ceiling.
  std::printf("%-34s %12s %12s %12s %12s %10s  %s\n", "run", "target/s", "published/s",
              "stored/s", "alerted/s", "lag (s)", "verdict");
  double sustained = 0;
  for (double rate : rates) {
    const auto r = measure({"--rate", std::to_string(static_cast<int>(rate))}, seconds, "every role");
    // Sustained: the simulator kept its rate, the sink and the monitor kept up with it, no
    // group's oldest unread message is older than 5 s (the statistics service commits at
    // its 2 s checkpoints), and the retention gate never paused.
    const bool ok = r.published >= 0.95 * rate && r.stored >= 0.95 * r.published &&
                    r.checked >= 0.95 * r.published && r.worst_lag <= 5.0 && !r.paused;
    std::printf("%-34s %12s %12s %12s %12s %10.1f  %s\n", "every role", with_commas(rate).c_str(),
                with_commas(r.published).c_str(), with_commas(r.stored).c_str(),
                with_commas(r.checked).c_str(), r.worst_lag,
                ok ? "sustained" : (r.paused ? "paused (a consumer behind)" : "not sustained"));
    if (!ok) break;
    sustained = rate;
  }
  const auto sink_alone = measure({"--rate", "0", "--no-alerts", "--no-stats"}, seconds, "sink alone");
  // Unpaced, the simulator outruns the sink and the gate pauses it: the sink then drains its
  // backlog at its own ceiling, which is the figure.
  std::printf("%-34s %12s %12s %12s %12s %10.1f  %s\n", "sink alone (--rate 0)", "max",
              with_commas(sink_alone.published).c_str(), with_commas(sink_alone.stored).c_str(), "-",
              sink_alone.worst_lag, sink_alone.paused ? "simulator paused: the sink's ceiling" : "");
  const auto alerts_alone = measure({"--rate", "0", "--no-sink", "--no-stats"}, seconds, "alerts alone");
  std::printf("%-34s %12s %12s %12s %12s %10.1f  %s\n", "alert monitor alone (--rate 0)", "max",
              with_commas(alerts_alone.published).c_str(), "-",
              with_commas(alerts_alone.checked).c_str(), alerts_alone.worst_lag,
              alerts_alone.paused ? "simulator paused: the monitor's ceiling" : "");
  if (sink_alone.stored <= 0 || alerts_alone.checked <= 0) fail("a standalone role consumed nothing");
  std::printf("\nhighest sustained rate with every role on: %s transfers/s (%.2fx the sink alone, "
              "%.2fx the alert monitor alone)\n\n",
              with_commas(sustained).c_str(), sustained / sink_alone.stored,
              sustained / alerts_alone.checked);

  // 2. CPU per role at the default rate.
  const std::vector<std::string> off = {"--no-sink", "--no-alerts", "--no-stats"};
  const auto base = measure(off, seconds, "no roles");
  struct RoleCpu {
    const char* name;
    std::vector<std::string> flags;
  };
  const std::vector<RoleCpu> roles = {{"sink (SQLite)", {"--no-alerts", "--no-stats"}},
                                      {"alert monitor", {"--no-sink", "--no-stats"}},
                                      {"statistics service", {"--no-sink", "--no-alerts"}}};
  std::printf("%-40s %14s %14s\n", "at 2,000 transfers/s + 200 swaps/s", "CPU s/s", "role's share");
  std::printf("%-40s %14.3f %14s\n", "cluster + simulators + dashboard", base.cpu, "(reference)");
  for (const auto& role : roles) {
    const auto r = measure(role.flags, seconds, role.name);
    std::printf("%-40s %14.3f %14.3f\n", role.name, r.cpu, std::max(0.0, r.cpu - base.cpu));
  }
  const auto all = measure({}, seconds, "every role");
  std::printf("%-40s %14.3f %14.3f\n\n", "every role", all.cpu, std::max(0.0, all.cpu - base.cpu));

  // 3. The dashboard's JSON under wrk, beside /healthz on the same server.
  {
    Run run({}, "wrk");
    std::this_thread::sleep_for(5s);
    const std::string script = run.dir + "/count.lua";
    bench::write_wrk_script(script, {});
    const auto overview = bench::run_wrk(run.port, script, seconds, "/api/overview", 4);
    const auto health = bench::run_wrk(run.port, script, seconds, "/healthz", 4);
    if (!overview.failure.empty()) fail("wrk /api/overview: " + overview.failure);
    if (!health.failure.empty()) fail("wrk /healthz: " + health.failure);
    const auto body = testing::http_get(run.port, "/api/overview").body;
    std::printf("%-36s %12s %10s %10s %12s\n", "wrk -t1 -c4, while up runs", "answers/s", "p50 ms",
                "p99 ms", "bytes");
    std::printf("%-36s %12s %10.2f %10.2f %12s\n", "GET /api/overview",
                with_commas(overview.rps).c_str(), overview.p50_ms, overview.p99_ms,
                with_commas(body.size()).c_str());
    std::printf("%-36s %12s %10.2f %10.2f %12s\n", "GET /healthz (reference)",
                with_commas(health.rps).c_str(), health.p50_ms, health.p99_ms, "3");
  }
  return 0;
}
