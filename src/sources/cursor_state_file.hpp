// The GraphQL source's cursor on disk (--state-file, default .kafka_stream_state.json): the
// (block, id) of the last record Kafka acknowledged, and which endpoint and table it belongs
// to. Written atomically (temporary file, fsync, rename, fsync of the directory), so after a
// crash the file holds either the previous cursor or the new one, never a mix.
//
// Format (JSON): {"version":1,"endpoint":"..","table":"..","block_number":19234567,
// "event_id":"0xab.._3","published":1234,"updated_at":"2024-06-01T12:00:00Z"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "sources/graphql_query.hpp"

namespace tokenflow::sources {

struct CursorState {
  std::string endpoint;
  std::string table;
  Cursor cursor;
  std::uint64_t published = 0;  // records published by every run so far
};

// nullopt if the file does not exist. Errors: errc::corrupt_state (unreadable, not this
// format) and errc::state_mismatch (another endpoint or table), each saying what to do.
core::Result<std::optional<CursorState>> load_cursor_state(const std::string& path,
                                                           const std::string& endpoint,
                                                           const std::string& table);

// Errors: errc::io_error naming the path and the system's reason.
core::Result<void> save_cursor_state(const std::string& path, const CursorState& state);

}  // namespace tokenflow::sources
