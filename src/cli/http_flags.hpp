// The --max-response-bytes flag of the roles that fetch over HTTP (`produce graphql` from its
// indexer, `alerts` from its webhooks' answers): how large an answer http::HttpClient keeps
// before it refuses it, so a broken or hostile server cannot exhaust memory.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

namespace tokenflow::cli {

// Adds --max-response-bytes N (at least 1 KiB); `whose` names the answers it bounds.
void add_max_response_bytes_flag(CLI::App& command, std::size_t& bytes, const std::string& whose);

}  // namespace tokenflow::cli
