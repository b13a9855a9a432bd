#include "sinks/postgres_schema.hpp"

#include <algorithm>
#include <string_view>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

constexpr std::size_t kMaxIdentifier = 63;  // PostgreSQL's NAMEDATALEN - 1
// The longest suffix appended to the table's name to name its indexes.
constexpr std::size_t kLongestIndexSuffix = std::string_view("_contract_address_idx").size();
constexpr const char* kForgetTriggerSuffix = "_forget_positions";
static_assert(std::string_view("_forget_positions").size() <= kLongestIndexSuffix);

bool valid_identifier(std::string_view name, std::size_t max_size) {
  if (name.empty() || name.size() > max_size) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// TRUNCATE empties the table without a row trigger: a statement trigger forgets the
// positions stored for it in the same transaction, so a reload starts from the reset policy
// instead of skipping everything the emptied table held. Created once (CREATE TRIGGER locks
// the table, which would stall a running sink's writers); a table the sink does not own
// keeps working without it, with a warning.
std::string forget_on_truncate(const PostgresNames& names, const PostgresSchema::Quote& identifier,
                               const PostgresSchema::Quote& literal) {
  const std::string schema = identifier(names.schema);
  const std::string target = schema + "." + identifier(names.table);
  const std::string positions = schema + "." + identifier(names.positions_table);
  const std::string function = schema + ".tokenflow_forget_positions";
  const std::string trigger = names.table + kForgetTriggerSuffix;
  return "CREATE OR REPLACE FUNCTION " + function +
         "() RETURNS trigger LANGUAGE plpgsql AS $tokenflow$ BEGIN"
         " EXECUTE format('DELETE FROM %s WHERE target_table = %L', TG_ARGV[0], TG_ARGV[1]);"
         " RETURN NULL; END $tokenflow$;"
         "DO $tokenflow$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass(" +
         literal(target) + ") AND tgname = " + literal(trigger) + ") THEN CREATE TRIGGER " +
         identifier(trigger) + " AFTER TRUNCATE ON " + target +
         " FOR EACH STATEMENT EXECUTE FUNCTION " + function + "(" + literal(positions) + ", " +
         literal(names.schema + "." + names.table) +
         "); END IF; EXCEPTION WHEN insufficient_privilege THEN RAISE WARNING '%', 'tokenflow: "
         "cannot add the TRUNCATE trigger to " + names.schema + "." + names.table +
         " (not its owner): after a TRUNCATE, delete its rows from " + names.schema + "." +
         names.positions_table + " yourself'; END $tokenflow$;";
}

}  // namespace

core::Result<void> PostgresSchema::validate(const PostgresNames& names) {
  auto bad = [](const std::string& what, const std::string& name, std::size_t max) {
    return make_error(errc::rejected, "PostgreSQL " + what + " name '" + name +
                                          "' is not usable: use 1 to " + std::to_string(max) +
                                          " letters, digits or '_', not starting with a digit");
  };
  if (!valid_identifier(names.schema, kMaxIdentifier)) {
    return bad("schema", names.schema, kMaxIdentifier);
  }
  if (!valid_identifier(names.table, kMaxIdentifier - kLongestIndexSuffix)) {
    return bad("table", names.table, kMaxIdentifier - kLongestIndexSuffix);
  }
  if (!valid_identifier(names.positions_table, kMaxIdentifier)) {
    return bad("positions table", names.positions_table, kMaxIdentifier);
  }
  if (names.positions_table == names.table) {
    return make_error(errc::rejected, "the positions table cannot be the table of the rows '" +
                                          names.table + "': give it another name");
  }
  return core::success();
}

PostgresSchema::PostgresSchema(const PostgresNames& names, const PostgresTableShape& shape,
                               const Quote& identifier, const Quote& literal) {
  const std::string schema = identifier(names.schema);
  target = schema + "." + identifier(names.table);
  positions = schema + "." + identifier(names.positions_table);
  const std::string& t = names.table;
  // Only a missing index is created: CREATE INDEX takes a lock on the table even when the
  // index exists, which would make a second sink starting up wait for (and stall) the
  // writers of one already running.
  auto create_index = [&](const std::string& name, const std::string& columns) {
    const std::string index = identifier(name);
    return "DO $tokenflow$ BEGIN IF to_regclass(" + literal(schema + "." + index) +
           ") IS NULL THEN CREATE INDEX IF NOT EXISTS " + index + " ON " + target + " " + columns +
           "; END IF; END $tokenflow$;";
  };
  std::string indexes;
  for (const auto& [suffix, columns] : shape.indexes) {
    indexes += create_index(t + std::string(suffix), std::string(columns));
  }
  create =
      // Two sinks starting at once would race on the catalog; the lock serialises them.
      "BEGIN; SELECT pg_advisory_xact_lock(hashtext('tokenflow.init_schema'));"
      "CREATE SCHEMA IF NOT EXISTS " +
      schema +
      ";"
      "CREATE TABLE IF NOT EXISTS " +
      target +
      " (" + std::string(shape.columns) + ");" + indexes + "CREATE TABLE IF NOT EXISTS " +
      positions +
      " (target_table TEXT NOT NULL, topic TEXT NOT NULL, \"partition\" INT NOT NULL,"
      " next_offset BIGINT NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),"
      " PRIMARY KEY (target_table, topic, \"partition\"));"
      // The table the positions vouch for, by its OID: a table dropped and created again
      // under the same name is another table, and the positions stored for the old one
      // would skip everything it never received. Rows from before this column are adopted
      // by the table of that name when the sink next loads them.
      // (Checked first: ALTER TABLE locks the table even when the column exists.)
      "DO $tokenflow$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
      "to_regclass(" +
      literal(positions) +
      ") AND attname = 'table_oid' AND NOT attisdropped) THEN ALTER TABLE " + positions +
      " ADD COLUMN table_oid OID; END IF; END $tokenflow$;" +
      forget_on_truncate(names, identifier, literal) + "COMMIT";

  // Positions are keyed by the qualified name of the table their rows went to.
  const std::string key = literal(names.schema + "." + names.table);
  const std::string table_oid = "to_regclass(" + literal(target) + ")::oid";
  // One statement for all of a batch's positions; GROUP BY tolerates a partition listed
  // twice, GREATEST keeps a stored position from moving back (a late retry) unless it was
  // stored for another table of that name.
  upsert_positions =
      "INSERT INTO " + positions +
      " AS p (target_table, topic, \"partition\", next_offset, table_oid)"
      " SELECT " +
      key + ", u.topic, u.part, max(u.next_offset), " + table_oid +
      " FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(topic, part, next_offset)"
      " GROUP BY u.topic, u.part"
      " ON CONFLICT (target_table, topic, \"partition\") DO UPDATE"
      " SET next_offset = CASE WHEN p.table_oid IS NOT DISTINCT FROM EXCLUDED.table_oid"
      " THEN GREATEST(p.next_offset, EXCLUDED.next_offset) ELSE EXCLUDED.next_offset END,"
      " table_oid = EXCLUDED.table_oid, updated_at = now()";
  // A positions table from before table_oid, used with --no-init-schema until init-schema
  // adds the column.
  upsert_positions_without_oid =
      "INSERT INTO " + positions +
      " AS p (target_table, topic, \"partition\", next_offset)"
      " SELECT " +
      key +
      ", u.topic, u.part, max(u.next_offset)"
      " FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(topic, part, next_offset)"
      " GROUP BY u.topic, u.part"
      " ON CONFLICT (target_table, topic, \"partition\") DO UPDATE"
      " SET next_offset = GREATEST(p.next_offset, EXCLUDED.next_offset), updated_at = now()";
  // $1 target table -> the positions stored for an earlier table of that name, deleted;
  // positions from before the table_oid column are adopted by today's table.
  forget_stale_positions =
      "WITH stale AS (DELETE FROM " + positions + " WHERE target_table = $1 AND table_oid <> " +
      table_oid +
      " RETURNING topic, \"partition\", next_offset),"
      " adopted AS (UPDATE " +
      positions + " SET table_oid = " + table_oid +
      " WHERE target_table = $1 AND table_oid IS NULL RETURNING 1)"
      " SELECT topic, \"partition\", next_offset FROM stale ORDER BY topic, \"partition\"";
  forget_positions = "DELETE FROM " + positions + " WHERE target_table = $1";
  replace_positions =
      "INSERT INTO " + positions +
      " AS p (target_table, topic, \"partition\", next_offset, table_oid)"
      " SELECT " +
      key + ", u.topic, u.part, u.next_offset, " + table_oid +
      " FROM unnest($1::text[], $2::int[], $3::bigint[]) AS u(topic, part, next_offset)"
      " ON CONFLICT (target_table, topic, \"partition\") DO UPDATE"
      " SET next_offset = EXCLUDED.next_offset, table_oid = EXCLUDED.table_oid,"
      " updated_at = now()";

  // No indexes: rows land as fast as COPY takes them; ON COMMIT DELETE ROWS empties it at
  // the end of each transaction that used it.
  create_staging = std::string("CREATE TEMP TABLE IF NOT EXISTS ") + kStagingTable + " (LIKE " +
                   target + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";
  // DISTINCT ON drops keys repeated inside the batch, ON CONFLICT those already stored.
  const std::string columns(shape.copy_columns);
  const std::string conflict_key(shape.key);
  merge_staged = "INSERT INTO " + target + " " + columns + " SELECT DISTINCT ON (" + conflict_key + ") " +
                 columns.substr(1, columns.size() - 2) + " FROM " + kStagingTable +
                 " ORDER BY " + conflict_key + " ON CONFLICT (" + conflict_key + ") DO NOTHING";

  positions_of_table =
      "SELECT topic, \"partition\", next_offset FROM " + positions + " WHERE target_table = $1";
  positions_of_partitions = "SELECT \"partition\", next_offset FROM " + positions +
                            " WHERE target_table = $1 AND topic = $2 AND \"partition\" = "
                            "ANY($3::int[]) ORDER BY \"partition\"";
  current_positions_of_partitions =
      "SELECT \"partition\", next_offset FROM " + positions +
      " WHERE target_table = $1 AND topic = $2 AND \"partition\" = ANY($3::int[]) AND"
      " (table_oid IS NULL OR table_oid = " + table_oid + ") ORDER BY \"partition\"";
  count_rows = "SELECT count(*) FROM " + target;
}

}  // namespace tokenflow::sinks
