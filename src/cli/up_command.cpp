#include "cli/command.hpp"

namespace tokenflow::cli {

void register_up(CLI::App& app, CommandContext& ctx) {
  auto* cmd = app.add_subcommand("up", "Run the whole pipeline in one process");
  cmd->callback([&ctx] { ctx.action = [] { return kExitFailure; }; });
}

}  // namespace tokenflow::cli
