#include "cli/registry_flag.hpp"

#include <spdlog/spdlog.h>

#include "codec/token_registry_file.hpp"

namespace tokenflow::cli {

void add_registry_flag(CLI::App& command, std::string& file, const std::string& what_for) {
  command
      .add_option("--registry", file,
                  "Token registry JSON file adding to the built-in tokens" +
                      (what_for.empty() ? std::string() : "; " + what_for))
      ->check(CLI::ExistingFile);
}

std::optional<core::TokenRegistry> load_registry(const std::string& file) {
  auto registry = core::TokenRegistry::builtin();
  if (!file.empty()) {
    if (auto loaded = codec::load_token_registry_file(file, registry); !loaded.ok()) {
      spdlog::error("{}", loaded.error().message);
      return std::nullopt;
    }
  }
  return registry;
}

}  // namespace tokenflow::cli
