// The plain-text tables the operations tools print (replay's plan, lag's report): columns
// padded to a width, "-" for a value nobody knows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace tokenflow::ops {

// `text` followed by spaces up to `width` (at least one space).
inline std::string pad_column(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

inline std::string optional_text(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "-";
}

}  // namespace tokenflow::ops
