// The tokenflow command line: one binary, one subcommand per role (DESIGN.md, Roles).
#pragma once

namespace tokenflow::cli {

int run(int argc, char** argv);

}  // namespace tokenflow::cli
