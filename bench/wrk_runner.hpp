// wrk driven from a benchmark: a Lua script that counts the answers' statuses, and the run's
// figures (200 answers per second, p50/p99), or why there are none: any status but 200, a
// socket error or a non-zero exit is a failure, never a figure.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace tokenflow::bench {

// A run's figures, or why there are none: `failure` is empty only when every answer was a 200.
struct WrkFigures {
  double rps = 0, p50_ms = 0, p99_ms = 0;  // rps: 200 answers per second
  std::string failure;
};

inline double parse_ms(const std::string& text) {
  double v = std::atof(text.c_str());
  if (text.find("us") != std::string::npos) return v / 1000;
  if (text.find("ms") != std::string::npos) return v;
  if (text.find('s') != std::string::npos) return v * 1000;
  return v;
}

// wrk's Lua script: `paths` to request at random (none: the URL's own path), and the count of
// 200 and other answers summed over wrk's threads, printed by done() on one line.
inline void write_wrk_script(const std::string& file, const std::vector<std::string>& paths) {
  std::ofstream lua(file);
  lua << "local threads = {}\n"
         "function setup(thread) table.insert(threads, thread) end\n"
         "function init(args) ok = 0; other = 0 end\n"
         "function response(status, headers, body)\n"
         "  if status == 200 then ok = ok + 1 else other = other + 1 end\n"
         "end\n"
         "function done(summary, latency, requests)\n"
         "  local answered, others = 0, 0\n"
         "  for _, t in ipairs(threads) do answered = answered + t:get(\"ok\"); "
         "others = others + t:get(\"other\") end\n"
         "  local e = summary.errors\n"
         "  io.write(string.format(\"statuses: 200 %d, other %d, duration_us %d, socket errors "
         "%d\\n\", answered, others, summary.duration, "
         "e.connect + e.read + e.write + e.timeout))\n"
         "end\n";
  if (paths.empty()) return;
  lua << "paths = {}\n";
  for (std::size_t i = 0; i < paths.size(); ++i)
    lua << "paths[" << i + 1 << "] = \"" << paths[i] << "\"\n";
  lua << "request = function() return wrk.format(\"GET\", paths[math.random(#paths)]) end\n";
}

inline WrkFigures run_wrk(int port, const std::string& script, int seconds, const std::string& path,
                          int connections = 16) {
  const std::string command = "wrk -t1 -c" + std::to_string(connections) + " -d" + std::to_string(seconds) + "s --latency -s " +
                              script + " http://127.0.0.1:" + std::to_string(port) + path + " 2>&1";
  WrkFigures f;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    f.failure = "cannot run wrk";
    return f;
  }
  char line[512];
  std::string all;
  unsigned long long answered = 0, others = 0, duration_us = 0, socket_errors = 0;
  bool counted = false;
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    const std::string l = line;
    all += l;
    char unit[32] = {};
    double value = 0;
    if (std::sscanf(l.c_str(), " 50%% %lf%31s", &value, unit) == 2)
      f.p50_ms = parse_ms(std::to_string(value) + unit);
    if (std::sscanf(l.c_str(), " 99%% %lf%31s", &value, unit) == 2)
      f.p99_ms = parse_ms(std::to_string(value) + unit);
    if (std::sscanf(l.c_str(),
                    "statuses: 200 %llu, other %llu, duration_us %llu, socket errors %llu",
                    &answered, &others, &duration_us, &socket_errors) == 4) {
      counted = true;
    }
  }
  const int status = pclose(pipe);
  if (status != 0) {
    f.failure = "wrk exited with status " +
                std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : status);
  } else if (!counted) {
    f.failure = "wrk printed no status counts";
  } else if (others != 0 || socket_errors != 0) {
    f.failure = with_commas(others) + " answers other than 200 and " + with_commas(socket_errors) +
                " socket errors beside " + with_commas(answered) + " 200s";
  } else if (answered == 0 || duration_us == 0) {
    f.failure = "no request answered";
  }
  if (!f.failure.empty()) {
    std::fprintf(stderr, "wrk %s: %s:\n%s\n", path.c_str(), f.failure.c_str(), all.c_str());
    return f;
  }
  f.rps = static_cast<double>(answered) / (static_cast<double>(duration_us) / 1e6);
  return f;
}

}  // namespace tokenflow::bench
