// Transfer: one ERC-20 Transfer event, the message of topic `stablecoin-transfers`
// (the `TransferEvent` of the original speed layer). See DESIGN.md, Events on the wire.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/address.hpp"
#include "core/timestamp.hpp"
#include "core/uint256.hpp"

namespace tokenflow::core {

// Unique event id: `<tx_hash>_<log_index>` or the indexer's own id; at most kMaxSize bytes.
struct EventId {
  static constexpr std::size_t kMaxSize = 256;
  std::string value;
  friend bool operator==(const EventId&, const EventId&) = default;
  friend auto operator<=>(const EventId&, const EventId&) = default;
};

struct Transfer {
  EventId id;
  std::uint64_t block_number = 0;
  UnixMillis timestamp;
  Address contract_address;
  Address from_address;
  Address to_address;
  Uint256 value;  // base units of the token
  // Optional fields: empty string / nullopt when absent.
  std::optional<std::uint64_t> chain_id;
  std::string tx_hash;
  std::optional<std::uint32_t> log_index;
  std::string symbol;
  std::optional<std::uint8_t> decimals;

  bool is_mint() const { return from_address.is_zero(); }
  bool is_burn() const { return to_address.is_zero(); }

  friend bool operator==(const Transfer&, const Transfer&) = default;
};

}  // namespace tokenflow::core
