#include "sources/cursor_state_file.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "codec/json_field.hpp"
#include "codec/json_writer.hpp"
#include "core/timestamp.hpp"
#include "sources/atomic_file.hpp"
#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

constexpr std::uint64_t kVersion = 1;

core::Error corrupt(const std::string& path, const std::string& why) {
  return make_error(errc::corrupt_state,
                    "state file '" + path + "' is corrupt (" + why +
                        "): restore it from a backup, or start over with --reset-state "
                        "(add --start-block N to choose where; the sink ignores ids it has)");
}

}  // namespace

core::Result<std::optional<CursorState>> load_cursor_state(const std::string& path,
                                                           const std::string& endpoint,
                                                           const std::string& table) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (access(path.c_str(), F_OK) != 0) return std::optional<CursorState>{};
    return make_error(errc::io_error,
                      "cannot read state file '" + path + "': " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto code = parser.parse(text).get(root); code) {
    return corrupt(path, std::string("not JSON: ") + simdjson::error_message(code));
  }
  if (root.type() != simdjson::dom::element_type::OBJECT) return corrupt(path, "not a JSON object");
  CursorState state;
  std::uint64_t version = 0;
  std::string_view text_value;
  simdjson::dom::element field;
  auto read_text = [&](const char* key, std::string& out) -> bool {
    return root[key].get(field) == simdjson::SUCCESS &&
           codec::read_string(field, key, text_value).ok() && (out.assign(text_value), true);
  };
  auto read_number = [&](const char* key, std::uint64_t& out) -> bool {
    return root[key].get(field) == simdjson::SUCCESS &&
           codec::read_uint(field, key, UINT64_MAX, out).ok();
  };
  if (!read_number("version", version) || version != kVersion) {
    return corrupt(path, "no \"version\": 1; it was not written by this version of tokenflow");
  }
  if (!read_text("endpoint", state.endpoint) || !read_text("table", state.table) ||
      !read_number("block_number", state.cursor.block) || !read_text("event_id", state.cursor.id)) {
    return corrupt(path, "endpoint, table, block_number or event_id missing or mistyped");
  }
  read_number("published", state.published);
  if (state.endpoint != endpoint || state.table != table) {
    return make_error(errc::state_mismatch,
                      "state file '" + path + "' holds the cursor of table " + state.table +
                          " at " + state.endpoint + ", not of table " + table + " at " + endpoint +
                          ": pass --state-file with another path for this indexer, "
                          "or --reset-state to start this one over (with --start-block N)");
  }
  return std::optional<CursorState>(std::move(state));
}

core::Result<void> save_cursor_state(const std::string& path, const CursorState& state) {
  std::string json = "{\"version\":";
  codec::append_uint(json, kVersion);
  json += ",\"endpoint\":";
  codec::append_json_string(json, state.endpoint);
  json += ",\"table\":";
  codec::append_json_string(json, state.table);
  json += ",\"block_number\":";
  codec::append_uint(json, state.cursor.block);
  json += ",\"event_id\":";
  codec::append_json_string(json, state.cursor.id);
  json += ",\"published\":";
  codec::append_uint(json, state.published);
  json += ",\"updated_at\":";
  codec::append_json_string(json, core::to_iso8601(core::now_millis()));
  json += "}\n";

  return write_file_atomically(path, json);
}

}  // namespace tokenflow::sources
