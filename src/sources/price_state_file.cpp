#include "sources/price_state_file.hpp"

#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "codec/json_writer.hpp"
#include "core/timestamp.hpp"
#include "sources/atomic_file.hpp"
#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

constexpr std::uint64_t kPriceStateVersion = 1;

core::Error corrupt_price_state(const std::string& path, const std::string& why) {
  return make_error(errc::corrupt_state,
                    "price state file '" + path + "' is corrupt (" + why +
                        "): delete it to start over (ticks already published are then sent "
                        "again with the same ids, which consumers recognise)");
}

}  // namespace

core::Result<PublishedTimestamps> load_price_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (access(path.c_str(), F_OK) != 0) return PublishedTimestamps{};
    return make_error(errc::io_error,
                      "cannot read price state file '" + path + "': " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  if (auto code = parser.parse(text).get(root); code) {
    return corrupt_price_state(path, std::string("not a JSON object: ") + simdjson::error_message(code));
  }
  std::uint64_t version = 0;
  if (root["version"].get(version) != simdjson::SUCCESS || version != kPriceStateVersion) {
    return corrupt_price_state(path, "no \"version\": 1; it was not written by this version of tokenflow");
  }
  simdjson::dom::object sources;
  if (root["last_published"].get(sources) != simdjson::SUCCESS) {
    return corrupt_price_state(path, "no \"last_published\" object");
  }
  PublishedTimestamps state;
  for (auto [source, assets_value] : sources) {
    simdjson::dom::object assets;
    if (assets_value.get(assets) != simdjson::SUCCESS) {
      return corrupt_price_state(path, "\"" + std::string(source) + "\" is not an object");
    }
    auto& of_source = state[std::string(source)];
    for (auto [asset, millis_value] : assets) {
      std::int64_t millis = 0;
      if (millis_value.get(millis) != simdjson::SUCCESS || millis < 0) {
        return corrupt_price_state(path, "the timestamp of " + std::string(source) + " " +
                                             std::string(asset) + " is not unix milliseconds");
      }
      of_source[std::string(asset)] = millis;
    }
  }
  return state;
}

core::Result<void> save_price_state(const std::string& path, const PublishedTimestamps& state) {
  std::string json = "{\"version\":";
  codec::append_uint(json, kPriceStateVersion);
  json += ",\"last_published\":{";
  bool first_source = true;
  for (const auto& [source, assets] : state) {
    if (!first_source) json += ',';
    first_source = false;
    codec::append_json_string(json, source);
    json += ":{";
    bool first_asset = true;
    for (const auto& [asset, millis] : assets) {
      if (!first_asset) json += ',';
      first_asset = false;
      codec::append_json_string(json, asset);
      json += ':';
      codec::append_uint(json, static_cast<std::uint64_t>(millis));
    }
    json += '}';
  }
  json += "},\"updated_at\":";
  codec::append_json_string(json, core::to_iso8601(core::now_millis()));
  json += "}\n";
  return write_file_atomically(path, json);
}

}  // namespace tokenflow::sources
