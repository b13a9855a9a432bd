// ChildProcess: runs a program (usually the tokenflow binary) for an integration test, with
// its output captured to a file, and lets the test signal it (SIGKILL, SIGTERM) and wait.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tokenflow::testing {

class ChildProcess {
 public:
  // Starts `argv` with `env` added to this process's environment; stdout and stderr go to
  // `log_path` (appended), so a failing test can print them; stdout goes to `stdout_path`
  // instead when one is given (a program whose output is data).
  ChildProcess(std::vector<std::string> argv, std::string log_path,
               std::map<std::string, std::string> env = {}, const std::string& stdout_path = "");
  ~ChildProcess();  // SIGKILLs the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal when killed), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::string output() const;  // what the child printed so far
  // Waits until the output contains `needle`; false if the child exits or `timeout` passes
  // first.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// CPU seconds (user + system) a running process has used, from /proc/<pid>/stat; 0 if it is
// gone. `parent`, when given, receives its parent's pid. For benchmarks.
double process_cpu_seconds(long pid, long* parent = nullptr);

// CPU seconds (user + system) of this whole process (every thread), so far.
double self_cpu_seconds();
// CPU seconds (user + system) of the children this process has waited for, so far.
double waited_children_cpu_seconds();

// Runs a command to completion and returns its exit code and output (for short commands).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(std::vector<std::string> argv, std::chrono::milliseconds timeout,
                          std::map<std::string, std::string> env = {});

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_loopback_port();

// A fresh directory under $TMPDIR (or /tmp), removed by the caller when done.
std::string make_temp_dir(const std::string& prefix);

// Path of the tokenflow binary built alongside the tests.
std::string tokenflow_binary();

}  // namespace tokenflow::testing
