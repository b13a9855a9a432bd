// How subcommands plug into the cli: each register_* adds its CLI11 subcommand, declares its
// settings (flag, environment variable, default, validation, help) in one place, and sets
// the action to run once parsing succeeded. Nothing below the cli reads the environment.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "core/stop_signal.hpp"

namespace tokenflow::cli {

struct CommandContext {
  std::function<int()> action;  // set by the chosen subcommand's parse callback
  core::StopSignal stop;        // set by SIGINT/SIGTERM
  int verbosity = 0;            // -v, -vv
};

void register_broker(CLI::App& app, CommandContext& ctx);
void register_init_schema(CLI::App& app, CommandContext& ctx);
void register_produce(CLI::App& app, CommandContext& ctx);
// `produce graphql`, added under the `produce` subcommand by register_produce.
void register_produce_graphql(CLI::App& produce, CommandContext& ctx);
// `produce prices`, added under the `produce` subcommand by register_produce.
void register_produce_prices(CLI::App& produce, CommandContext& ctx);
void register_sink(CLI::App& app, CommandContext& ctx);
// `sink redis`, added under the `sink` subcommand by register_sink.
void register_sink_redis(CLI::App& sink, CommandContext& ctx);
void register_alerts(CLI::App& app, CommandContext& ctx);
void register_stats(CLI::App& app, CommandContext& ctx);
void register_dashboard(CLI::App& app, CommandContext& ctx);
void register_up(CLI::App& app, CommandContext& ctx);
void register_replay(CLI::App& app, CommandContext& ctx);
void register_lag(CLI::App& app, CommandContext& ctx);
void register_topics(CLI::App& app, CommandContext& ctx);

// Exit codes: 0 done, 1 failed at run time, 2 bad usage or configuration.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

}  // namespace tokenflow::cli
