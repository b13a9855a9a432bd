// Small append-only helpers for writing JSON into a reused std::string. The encoders use
// them on the hot path (one event per call, no allocation once the buffer has grown).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace tokenflow::codec {

// Appends `text` as a JSON string literal, quotes included. `text` must be valid UTF-8
// (decoded events are); control characters, quote and backslash are escaped.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(esc, 6);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

inline void append_uint(std::string& out, std::uint64_t value) {
  char buf[20];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

inline void append_int(std::string& out, std::int64_t value) {
  char buf[21];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace tokenflow::codec
