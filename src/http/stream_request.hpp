// StreamRequest: one message a WebSocket client of /v1/stream sends, read from its text:
// {"op":"subscribe"|"unsubscribe","tokens":["0x..", "*"]}. Pure (outside input, fuzzed in
// tests/fuzz/stream_request_fuzz.cpp); the hub acts on what it returns.
#pragma once

#include <simdjson.h>

#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"

namespace tokenflow::http {

struct StreamRequest {
  bool subscribe = true;              // false: unsubscribe
  bool all = false;                   // "*" is among the tokens
  std::vector<core::Address> tokens;  // the addresses named, in the message's order

  friend bool operator==(const StreamRequest&, const StreamRequest&) = default;
};

// Errors: errc::bad_request, whose sentence is what the client is told. `parser` is the
// session's own (reused from message to message).
core::Result<StreamRequest> parse_stream_request(std::string_view text,
                                                 simdjson::dom::parser& parser);

}  // namespace tokenflow::http
