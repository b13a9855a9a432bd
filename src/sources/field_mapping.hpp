// FieldMapping: how an indexer's field names map onto the Transfer fields of DESIGN.md
// (`--field-map transferHash=tx_hash`). Names the codec already knows (snake_case and the
// usual camelCase: blockNumber, from, to, contractAddress, txHash...) need no mapping.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace tokenflow::sources {

// The Transfer fields, snake_case, as codec::TransferDecoder reads them.
inline constexpr std::string_view kTransferFields[] = {
    "id",    "block_number", "timestamp", "contract_address", "from_address", "to_address",
    "value", "chain_id",     "tx_hash",   "log_index",        "symbol",       "decimals"};

// A GraphQL name: [_A-Za-z][_0-9A-Za-z]* (the only text we put into a query unquoted).
bool is_graphql_name(std::string_view name) noexcept;

class FieldMapping {
 public:
  // Each spec is `indexerName=transfer_field`. Errors name the spec and list the fields.
  static core::Result<FieldMapping> parse(const std::vector<std::string>& specs);

  // The Transfer field an indexer name stands for, or the name itself if it is not mapped.
  std::string_view to_transfer(std::string_view indexer_name) const noexcept;
  // The indexer name mapped onto `transfer_field`, or `fallback` if none is.
  std::string_view to_indexer(std::string_view transfer_field,
                              std::string_view fallback) const noexcept;
  bool empty() const noexcept { return renames_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> renames_;  // indexer name, transfer field
};

}  // namespace tokenflow::sources
