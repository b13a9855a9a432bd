// The fields of a transfer message and every name each one goes by on the wire: the
// snake_case names of DESIGN.md and the camelCase spellings indexers use. find_transfer_field
// maps a JSON key to its field without a string comparison per alias: the decoder runs it for
// every key of every message.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tokenflow::codec {

enum class TransferField : std::uint8_t {
  id,
  block_number,
  timestamp,
  contract_address,
  from_address,
  to_address,
  value,
  chain_id,
  tx_hash,
  log_index,
  symbol,
  decimals,
  count
};

inline constexpr std::size_t kTransferFieldCount = static_cast<std::size_t>(TransferField::count);

inline constexpr std::array<const char*, kTransferFieldCount> kTransferFieldName = {
    "id",    "block_number", "timestamp", "contract_address", "from_address", "to_address",
    "value", "chain_id",     "tx_hash",   "log_index",        "symbol",       "decimals"};

struct TransferFieldAlias {
  std::string_view name;
  TransferField field;
};

// snake_case names of DESIGN.md first, then the camelCase spellings indexers use.
inline constexpr TransferFieldAlias kTransferFieldAliases[] = {
    {"id", TransferField::id},
    {"block_number", TransferField::block_number},
    {"timestamp", TransferField::timestamp},
    {"contract_address", TransferField::contract_address},
    {"from_address", TransferField::from_address},
    {"to_address", TransferField::to_address},
    {"value", TransferField::value},
    {"chain_id", TransferField::chain_id},
    {"tx_hash", TransferField::tx_hash},
    {"log_index", TransferField::log_index},
    {"symbol", TransferField::symbol},
    {"decimals", TransferField::decimals},
    {"blockNumber", TransferField::block_number},
    {"contractAddress", TransferField::contract_address},
    {"from", TransferField::from_address},
    {"fromAddress", TransferField::from_address},
    {"to", TransferField::to_address},
    {"toAddress", TransferField::to_address},
    {"chainId", TransferField::chain_id},
    {"txHash", TransferField::tx_hash},
    {"transactionHash", TransferField::tx_hash},
    {"transaction_hash", TransferField::tx_hash},
    {"logIndex", TransferField::log_index},
};

namespace detail {

// Every alias fits two overlapping 8-byte loads; a longer key is no field.
inline constexpr std::size_t kLongestAlias = 16;

// The aliases grouped by length: a key is compared with at most three names of its own length.
struct AliasesOfLength {
  std::array<std::uint8_t, 3> alias{};
  std::uint8_t count = 0;
};

inline constexpr std::array<AliasesOfLength, kLongestAlias + 1> kAliasesByLength = [] {
  std::array<AliasesOfLength, kLongestAlias + 1> table{};
  for (std::size_t i = 0; i < std::size(kTransferFieldAliases); ++i) {
    auto& group = table[kTransferFieldAliases[i].name.size()];  // out of range: no constant
    group.alias[group.count++] = static_cast<std::uint8_t>(i);
  }
  return table;
}();

inline std::uint64_t load_u64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint32_t load_u32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// a == b for two strings of the same length n <= 16, by at most two overlapping loads of each
// (never past either end) instead of a call to memcmp.
inline bool same_short(const char* a, const char* b, std::size_t n) noexcept {
  if (n >= 8) return load_u64(a) == load_u64(b) && load_u64(a + n - 8) == load_u64(b + n - 8);
  if (n >= 4) return load_u32(a) == load_u32(b) && load_u32(a + n - 4) == load_u32(b + n - 4);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace detail

// The field `key` names, if any (exact, case-sensitive match of one alias).
inline bool find_transfer_field(std::string_view key, TransferField& field) noexcept {
  if (key.size() > detail::kLongestAlias) return false;
  const auto& group = detail::kAliasesByLength[key.size()];
  for (std::size_t i = 0; i < group.count; ++i) {
    const TransferFieldAlias& alias = kTransferFieldAliases[group.alias[i]];
    if (detail::same_short(alias.name.data(), key.data(), key.size())) {
      field = alias.field;
      return true;
    }
  }
  return false;
}

}  // namespace tokenflow::codec
