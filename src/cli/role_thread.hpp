// RoleThread: one role of `tokenflow up` (a simulator, a sink, the alert monitor...) on its
// own thread until its stop signal. The first role to fail stops the whole of up: a role
// that died quietly would leave a pipeline that looks alive and is not.
#pragma once

#include <string>
#include <thread>
#include <utility>

#include "core/result.hpp"
#include "core/stop_signal.hpp"

namespace tokenflow::cli {

struct RoleThread {
  explicit RoleThread(std::string role) : name(std::move(role)) {}
  RoleThread(const RoleThread&) = delete;
  RoleThread& operator=(const RoleThread&) = delete;
  ~RoleThread() { stop_and_join(); }

  std::string name;
  core::StopSignal stop;
  core::Result<void> result = core::success();
  std::thread thread;

  template <class Run>
  void start(Run run, core::StopSignal& everything) {
    thread = std::thread([this, run = std::move(run), &everything]() mutable {
      result = run(stop);
      if (!result.ok()) everything.request();
    });
  }
  void stop_and_join() {
    stop.request();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace tokenflow::cli
