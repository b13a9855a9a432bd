#include "cli/postgres_flags.hpp"

#include <spdlog/spdlog.h>

namespace tokenflow::cli {

void add_postgres_flags(CLI::App& command, sinks::PostgresStoreOptions& options) {
  command.add_option("--database-url", options.url,
                     "PostgreSQL connection URL, e.g. postgresql://user:pass@host:5432/db")
      ->envname("DATABASE_URL");
  command.add_option("--schema", options.schema, "Schema of the table")->capture_default_str();
  command.add_option("--table", options.table, "Table the rows go to (price_history with sink postgres --events prices)")->capture_default_str();
  command.add_option("--offsets-table", options.positions_table,
                     "Table (in the same schema) holding the consumed offsets")
      ->capture_default_str();
}

bool validate_postgres_flags(const sinks::PostgresStoreOptions& options) {
  if (options.url.empty()) {
    spdlog::error("no database: set DATABASE_URL or pass --database-url "
                  "(e.g. postgresql://postgres@localhost:5432/postgres)");
    return false;
  }
  if (auto valid = sinks::PostgresStore::validate(options); !valid.ok()) {
    spdlog::error("{}", valid.error().message);
    return false;
  }
  return true;
}

}  // namespace tokenflow::cli
