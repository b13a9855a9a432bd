// Fuzzer for the WebSocket subscribe/unsubscribe messages of /v1/stream (a client's bytes):
// any bytes must give a StreamRequest or an error of the http category with a non-empty
// reason (the sentence the client is sent); never a crash, a hang or a sanitizer report. A
// request written back as JSON must be read as the same request.
#include <string>

#include "codec/json_writer.hpp"
#include "fuzz_check.hpp"
#include "http/errc.hpp"
#include "http/stream_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tokenflow;
  static simdjson::dom::parser parser;
  auto request = http::parse_stream_request(fuzz::as_text(data, size), parser);
  if (!request.ok()) {
    fuzz::check_error(request.error(), http::http_category());
    return 0;
  }
  std::string json =
      request->subscribe ? R"({"op":"subscribe","tokens":[)" : R"({"op":"unsubscribe","tokens":[)";
  const char* separator = "";
  for (const auto& token : request->tokens) {
    json.append(separator);
    codec::append_json_string(json, token.to_string());
    separator = ",";
  }
  if (request->all) json.append(separator).append(R"("*")");
  json.append("]}");
  auto again = http::parse_stream_request(json, parser);
  fuzz::require(again.ok() && *again == *request);
  return 0;
}
