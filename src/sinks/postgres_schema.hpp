// PostgresSchema: the SQL of a sink's table in PostgreSQL: the DDL that init_schema runs
// and the statements of the write path, built once per connection from checked names quoted
// by the server's rules. DESIGN.md and the first issue fix the columns and the indexes.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.hpp"

namespace tokenflow::sinks {

struct PostgresNames {
  std::string schema;
  std::string table;
  std::string positions_table;
};

// What PostgresSchema needs to know of a table.
struct PostgresTableShape {
  // Inside CREATE TABLE's parentheses, the primary key included.
  std::string_view columns;
  // The column list of every COPY, in the encoder's order, with its parentheses.
  std::string_view copy_columns;
  // The primary key's columns: a row whose key is stored is a duplicate (ON CONFLICT).
  std::string_view key;
  // Secondary indexes: name suffix after the table's name, and the indexed columns.
  std::span<const std::pair<std::string_view, std::string_view>> indexes;
};

struct PostgresSchema {
  using Quote = std::function<std::string(const std::string&)>;

  // Letters, digits and '_', not starting with a digit, short enough for the index names
  // derived from the table's. Errors: errc::rejected, naming the setting and the rule.
  static core::Result<void> validate(const PostgresNames& names);

  // `identifier` and `literal` quote for SQL (PQescapeIdentifier, PQescapeLiteral).
  PostgresSchema(const PostgresNames& names, const PostgresTableShape& shape,
                 const Quote& identifier, const Quote& literal);

  static constexpr const char* kStagingTable = "pg_temp.tokenflow_staging";

  std::string target;     // "raw"."transfers_kafka", "raw"."price_history"
  std::string positions;  // "raw"."tokenflow_offsets"
  std::string create;     // schema, table, indexes, positions table: one transaction
  // $1 text[] topics, $2 int[] partitions, $3 bigint[] next offsets.
  std::string upsert_positions;
  std::string upsert_positions_without_oid;  // the same, for a table without table_oid
  std::string create_staging;
  std::string merge_staged;
  std::string positions_of_table;  // $1 target table -> topic, partition, next_offset
  std::string
      positions_of_partitions;  // $1 target table, $2 topic, $3 int[] -> partition, next_offset
  // The same, without the positions stored for an earlier table of that name (read-only
  // readers: lag, replay).
  std::string current_positions_of_partitions;
  std::string count_rows;
  // $1 target table -> topic, partition, next_offset of the positions deleted because they
  // were stored for an earlier table of that name (dropped and created again).
  std::string forget_stale_positions;
  std::string forget_positions;  // $1 target table
  // $1 text[] topics, $2 int[] partitions, $3 bigint[] next offsets: set, backwards too.
  std::string replace_positions;
};

}  // namespace tokenflow::sinks
