// The records of the statistics directory topic (`tokenflow.stats.directory`, compacted):
// how the instances of one consumer group tell each other which tokens each partition holds
// and which instance owns each partition, so any instance can send a client to the one that
// answers for a token.
//
//   key "partition|<topic>|<partition>|<group>"          value {"url":..,"instance":..,"at":ms}
//   key "token|<topic>|<partition>|<0x token>|<group>"   value {"held":true}, or null (a
//                                                        tombstone: the token left the state)
//
// A token record is a fact about a partition's data, not about its owner: it stays when the
// partition moves, and only eviction withdraws it. A partition record is the owner's, sent on
// assignment and then every heartbeat, so the newest owner wins and a silent one ages. The
// group is last in the key because group ids may contain '|' and topic names cannot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/address.hpp"

namespace tokenflow::processors {

struct PartitionOwnerRecord {
  std::string group;
  std::string topic;
  int partition = 0;
  std::string url;       // where the owner answers (its --advertise-url)
  std::string instance;  // host:pid, for logs
  std::int64_t at_ms = 0;
};

struct TokenHeldRecord {
  std::string group;
  std::string topic;
  int partition = 0;
  core::Address token;
  bool held = true;  // false: a tombstone
};

using DirectoryRecord = std::variant<PartitionOwnerRecord, TokenHeldRecord>;

std::string directory_key(const PartitionOwnerRecord& record);
std::string directory_key(const TokenHeldRecord& record);
std::string directory_value(const PartitionOwnerRecord& record);
// The value of a token record; empty for a tombstone (produce it as a null value).
std::string directory_value(const TokenHeldRecord& record);

// The record a directory message carries; nullopt for a key or value that is not one of ours
// (another tool's message on the topic is ignored, never fatal). A null or empty value of a
// token key is its tombstone.
std::optional<DirectoryRecord> parse_directory_record(std::string_view key, std::string_view value);

}  // namespace tokenflow::processors
