#include "cli/app.hpp"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <exception>
#include <iostream>

#include "cli/command.hpp"

namespace tokenflow::cli {
namespace {

core::StopSignal* g_stop = nullptr;

extern "C" void on_stop_signal(int sig) {
  if (g_stop == nullptr) return;
  if (g_stop->requested()) {
    // A second Ctrl-C means "now": leave without finishing the batch (it is re-read later).
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  g_stop->request();
}

void install_stop_handlers(core::StopSignal& stop) {
  g_stop = &stop;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void setup_logging(int verbosity) {
  auto logger = spdlog::stderr_color_mt("tokenflow");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_level(verbosity >= 2 ? spdlog::level::trace
                                   : verbosity == 1 ? spdlog::level::debug : spdlog::level::info);
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "tokenflow: real-time streaming of on-chain token events through Kafka.\n"
      "Run `tokenflow up` for the whole pipeline on an embedded cluster, or one role per\n"
      "process against a Kafka cluster (KAFKA_BOOTSTRAP_SERVERS).",
      "tokenflow"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tokenflow 0.1.0");
  CommandContext ctx;
  app.add_flag("-v,--verbose", ctx.verbosity, "More log output (-v debug, -vv trace)");

  register_up(app, ctx);
  register_broker(app, ctx);
  register_init_schema(app, ctx);
  register_produce(app, ctx);
  register_sink(app, ctx);
  register_stats(app, ctx);
  register_dashboard(app, ctx);
  register_replay(app, ctx);
  register_lag(app, ctx);
  register_alerts(app, ctx);
  register_topics(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  setup_logging(ctx.verbosity);
  install_stop_handlers(ctx.stop);
  if (!ctx.action) {
    std::cerr << app.help();
    return kExitUsage;
  }
  try {
    return ctx.action();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return kExitFailure;
  }
}

}  // namespace tokenflow::cli
