#include "processors/stats/directory_record.hpp"

#include <simdjson.h>

#include <charconv>
#include <vector>

#include "codec/json_writer.hpp"

namespace tokenflow::processors {
namespace {

constexpr std::string_view kPartitionKind = "partition";
constexpr std::string_view kTokenKind = "token";

// Splits `key` at its first `fields - 1` '|'; the last field keeps the rest (the group).
std::vector<std::string_view> split_key(std::string_view key, std::size_t fields) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < fields) {
    const auto bar = key.find('|');
    if (bar == std::string_view::npos) return {};
    out.push_back(key.substr(0, bar));
    key.remove_prefix(bar + 1);
  }
  out.push_back(key);
  return out;
}

bool parse_partition(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::string key_prefix(std::string_view kind, const std::string& topic, int partition) {
  std::string key(kind);
  key.push_back('|');
  key.append(topic);
  key.push_back('|');
  key.append(std::to_string(partition));
  key.push_back('|');
  return key;
}

}  // namespace

std::string directory_key(const PartitionOwnerRecord& record) {
  return key_prefix(kPartitionKind, record.topic, record.partition) + record.group;
}

std::string directory_key(const TokenHeldRecord& record) {
  return key_prefix(kTokenKind, record.topic, record.partition) + record.token.to_string() + "|" +
         record.group;
}

std::string directory_value(const PartitionOwnerRecord& record) {
  std::string out = "{\"url\":";
  codec::append_json_string(out, record.url);
  out.append(",\"instance\":");
  codec::append_json_string(out, record.instance);
  out.append(",\"at\":");
  codec::append_int(out, record.at_ms);
  out.push_back('}');
  return out;
}

std::string directory_value(const TokenHeldRecord& record) {
  return record.held ? "{\"held\":true}" : std::string();
}

std::optional<DirectoryRecord> parse_directory_record(std::string_view key,
                                                      std::string_view value) {
  const auto bar = key.find('|');
  if (bar == std::string_view::npos) return std::nullopt;
  const std::string_view kind = key.substr(0, bar);
  if (kind == kPartitionKind) {
    const auto fields = split_key(key, 4);
    PartitionOwnerRecord record;
    if (fields.size() != 4 || !parse_partition(fields[2], record.partition)) return std::nullopt;
    record.topic = std::string(fields[1]);
    record.group = std::string(fields[3]);
    if (value.empty()) return std::nullopt;  // a partition record is never withdrawn
    simdjson::dom::parser parser;
    simdjson::dom::object object;
    if (parser.parse(value.data(), value.size()).get_object().get(object)) return std::nullopt;
    std::string_view url, instance;
    std::int64_t at = 0;
    if (object["url"].get_string().get(url) || object["at"].get_int64().get(at)) {
      return std::nullopt;
    }
    if (object["instance"].get_string().get(instance)) instance = {};
    record.url = std::string(url);
    record.instance = std::string(instance);
    record.at_ms = at;
    return record;
  }
  if (kind == kTokenKind) {
    const auto fields = split_key(key, 5);
    TokenHeldRecord record;
    if (fields.size() != 5 || !parse_partition(fields[2], record.partition) ||
        !core::Address::try_parse(fields[3], record.token)) {
      return std::nullopt;
    }
    record.topic = std::string(fields[1]);
    record.group = std::string(fields[4]);
    record.held = !value.empty();
    return record;
  }
  return std::nullopt;
}

}  // namespace tokenflow::processors
