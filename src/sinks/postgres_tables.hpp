// The tables a PostgreSQL sink writes, for BasicPostgresStore<Table>: the row type, its COPY
// encoder, the table's DDL and its key. Everything else (transactions, positions beside the
// rows, the staging path for repeated keys, reconnects) is the store's, the same for all.
#pragma once

#include <string_view>
#include <utility>

#include "core/price_tick.hpp"
#include "core/transfer.hpp"
#include "sinks/copy_encoder.hpp"
#include "sinks/postgres_schema.hpp"
#include "sinks/price_history_encoder.hpp"

namespace tokenflow::sinks {

// raw.transfers_kafka: one row per transfer, keyed by its id (DESIGN.md).
struct TransferTable {
  using Row = core::Transfer;
  using Encoder = CopyEncoder;
  static constexpr std::string_view kDefaultName = "transfers_kafka";
  // COLLATE "C": ids and hex addresses compare byte by byte. Under the database's default
  // (C.UTF-8 or a language locale) every B-tree comparison goes through strcoll, which made
  // index maintenance, the sink's bottleneck, much slower.
  static constexpr std::pair<std::string_view, std::string_view> kIndexes[] = {
      {"_block_number_idx", "(block_number DESC)"},
      {"_contract_address_idx", "(contract_address)"},
      {"_timestamp_idx", "(\"timestamp\" DESC)"}};
  static constexpr PostgresTableShape kShape{
      "id TEXT COLLATE \"C\" PRIMARY KEY, block_number BIGINT NOT NULL,"
      " \"timestamp\" TIMESTAMPTZ NOT NULL, contract_address TEXT COLLATE \"C\" NOT NULL,"
      " from_address TEXT COLLATE \"C\" NOT NULL, to_address TEXT COLLATE \"C\" NOT NULL,"
      " \"value\" NUMERIC(78,0) NOT NULL",
      kCopyColumns,
      "id", kIndexes};
  static std::string_view id_of(const Row& row) noexcept { return row.id.value; }
};

// raw.price_history: every distinct tick once, keyed by asset, source and timestamp (which
// is what its id says).
struct PriceHistoryTable {
  using Row = core::PriceTick;
  using Encoder = PriceHistoryEncoder;
  static constexpr std::string_view kDefaultName = "price_history";
  static constexpr std::pair<std::string_view, std::string_view> kIndexes[] = {
      {"_timestamp_idx", "(\"timestamp\" DESC)"}};
  static constexpr PostgresTableShape kShape{
      "asset TEXT COLLATE \"C\" NOT NULL, source TEXT COLLATE \"C\" NOT NULL,"
      " \"timestamp\" TIMESTAMPTZ NOT NULL, price_usd NUMERIC NOT NULL, symbol TEXT,"
      " volume_24h_usd NUMERIC, change_24h_pct NUMERIC, liquidity_usd NUMERIC,"
      " PRIMARY KEY (asset, source, \"timestamp\")",
      kPriceHistoryColumns,
      "asset, source, \"timestamp\"", kIndexes};
  static std::string_view id_of(const Row& row) noexcept { return row.id; }
};

}  // namespace tokenflow::sinks
