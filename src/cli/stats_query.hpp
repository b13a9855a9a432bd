// StatsQuery: what a request to the statistics API asks for, read from its target alone (the
// path and query, undecoded). Pure, so that a bad request is refused before any state is
// looked at, and so that the parsing of this outside input is fuzzed
// (tests/fuzz/stats_request_fuzz.cpp). StatsApi routes on what it returns.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/address.hpp"
#include "core/result.hpp"
#include "processors/stats/stats_store.hpp"
#include "stream/window_config.hpp"

namespace tokenflow::cli {

struct StatsQuery {
  static constexpr std::size_t kDefaultLimit = 50;
  static constexpr std::size_t kMaxLimit = 1000;

  enum class Endpoint { healthz, readyz, metrics, token_stats, top_tokens };
  Endpoint endpoint = Endpoint::healthz;
  core::Address token;                     // token_stats
  const stream::Window* window = nullptr;  // top_tokens: one of the WindowConfig's, never null
  processors::SortKey sort = processors::SortKey::volume;  // top_tokens
  std::size_t limit = kDefaultLimit;                       // top_tokens: 1 to kMaxLimit
};

// Query parameters it does not know are ignored (an ?api_key= among them). Errors:
// http::errc::not_found for a path the API does not serve (answer 404), http::errc::bad_request
// for a token that is not an address, an unknown window or sort, a bad limit (answer 400);
// each sentence names the value and what would do.
core::Result<StatsQuery> parse_stats_query(std::string_view target,
                                           const stream::WindowConfig& windows);

}  // namespace tokenflow::cli
