// The --registry flag of the roles that need facts about tokens (decimals, USD pegs):
// `produce simulate`, `alerts` and `stats` read the built-in registry plus an optional JSON
// file (codec/token_registry_file describes its format).
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "core/token_registry.hpp"

namespace tokenflow::cli {

// Adds --registry FILE (an existing file); `what_for` completes the help text.
void add_registry_flag(CLI::App& command, std::string& file, const std::string& what_for = "");
// The built-in registry with `file` (when not empty) added to it; nullopt after logging why
// the file cannot be used.
std::optional<core::TokenRegistry> load_registry(const std::string& file);

}  // namespace tokenflow::cli
