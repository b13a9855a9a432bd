#include "http/stream_request.hpp"

#include <string>

#include "http/errc.hpp"

namespace tokenflow::http {

core::Result<StreamRequest> parse_stream_request(std::string_view text,
                                                 simdjson::dom::parser& parser) {
  simdjson::dom::element doc;
  std::string_view op;
  simdjson::dom::array tokens;
  // An empty view's data() may be null, which simdjson must not be given.
  if (text.empty() || parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS ||
      doc["op"].get_string().get(op) != simdjson::SUCCESS ||
      doc["tokens"].get_array().get(tokens) != simdjson::SUCCESS) {
    return make_error(
        errc::bad_request,
        "expected {\"op\":\"subscribe\"|\"unsubscribe\",\"tokens\":[\"0x..\" or \"*\"]}");
  }
  if (op != "subscribe" && op != "unsubscribe") {
    return make_error(errc::bad_request,
                      "unknown op '" + std::string(op) + "': use subscribe or unsubscribe");
  }
  StreamRequest request;
  request.subscribe = op == "subscribe";
  for (auto item : tokens) {
    std::string_view token_text;
    core::Address token;
    if (item.get_string().get(token_text) != simdjson::SUCCESS) {
      return make_error(errc::bad_request,
                        "tokens must be strings: addresses (0x + 40 hex digits) or \"*\"");
    }
    if (token_text == "*") {
      request.all = true;
    } else if (core::Address::try_parse(token_text, token)) {
      request.tokens.push_back(token);
    } else {
      return make_error(errc::bad_request, "'" + std::string(token_text) +
                                               "' is not a token address (0x + 40 hex digits)");
    }
  }
  return request;
}

}  // namespace tokenflow::http
