// Error codes of the sources: why an indexer or price API answer, a state file or a record
// could not be used. Each error also carries a sentence naming the endpoint, file or record and the fix.
#pragma once

#include <string>
#include <system_error>

#include "core/result.hpp"

namespace tokenflow::sources {

enum class errc {
  ok = 0,
  connection_failed,   // the indexer could not be reached (refused, DNS, reset, TLS)
  timed_out,           // the indexer did not answer within the request timeout
  http_status,         // the indexer answered with an HTTP status other than 200
  rate_limited,        // the indexer answered 429 (Retry-After is honoured)
  graphql_errors,      // the answer carried a GraphQL `errors` array
  malformed_response,  // the answer is not the JSON shape the query asks for
  invalid_record,      // one record of a page is not a valid transfer
  corrupt_state,       // the state file cannot be read as a cursor
  state_mismatch,      // the state file belongs to another endpoint or table
  io_error,            // the state file cannot be written
  missing_asset,       // a price API's answer has no entry for an asset asked for
  null_price,          // a price API gave `null` (or nothing) as an asset's price
  invalid_price,       // a price API's price is not a non-negative decimal number
};

const std::error_category& sources_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sources_category()};
}

inline core::Error make_error(errc e, std::string message) {
  return core::Error{make_error_code(e), std::move(message)};
}

// Short stable name of a code ("rate_limited"), for log lines and metrics.
const char* errc_name(errc e) noexcept;

}  // namespace tokenflow::sources

template <>
struct std::is_error_code_enum<tokenflow::sources::errc> : std::true_type {};
