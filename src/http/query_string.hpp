// The two parts of a request target ("/v1/tokens?window=1h&limit=5") the servers route on:
// its path, and the value of one query parameter. Pure functions of the text (outside input,
// fuzzed through the statistics API's request parser).
#pragma once

#include <string_view>

namespace tokenflow::http {

// The value of query parameter `name` in a request target ("/x?a=1&b=2"), undecoded; empty
// when absent.
std::string_view query_parameter(std::string_view target, std::string_view name);
// The target without its query.
std::string_view target_path(std::string_view target);

}  // namespace tokenflow::http
