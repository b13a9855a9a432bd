// Reading a role's /metrics in tests: the value of one unlabelled sample.
#pragma once

#include <cstdint>
#include <string>

namespace tokenflow::testing {

// The value of the unlabelled sample `name` in Prometheus text, or -1 when it is absent.
inline std::int64_t prometheus_value(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + name.size() + 2));
}

}  // namespace tokenflow::testing
