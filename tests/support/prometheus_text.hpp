// Reading a role's /metrics in tests: the value of one unlabelled sample.
#pragma once

#include <cstdint>
#include <map>
#include <sstream>
#include <string>

namespace tokenflow::testing {

// The value of the unlabelled sample `name` in Prometheus text, or -1 when it is absent.
inline std::int64_t prometheus_value(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + name.size() + 2));
}

// Every sample of family `name` (suffix-less): its label text ("topic=\"t\",partition=\"3\"",
// empty when unlabelled) -> value.
inline std::map<std::string, double> prometheus_samples(const std::string& text,
                                                        const std::string& name) {
  std::map<std::string, double> samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(name)) continue;
    const auto rest = line.substr(name.size());
    if (rest.starts_with("{")) {
      const auto close = rest.find("} ");
      if (close == std::string::npos) continue;
      samples[rest.substr(1, close - 1)] = std::stod(rest.substr(close + 2));
    } else if (rest.starts_with(" ")) {
      samples[""] = std::stod(rest.substr(1));
    }
  }
  return samples;
}

}  // namespace tokenflow::testing
