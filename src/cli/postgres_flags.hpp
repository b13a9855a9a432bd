// The PostgreSQL flags shared by `init-schema` and `sink postgres`: --database-url
// (DATABASE_URL), --schema, --table.
#pragma once

#include <CLI/CLI.hpp>

#include "sinks/postgres_store.hpp"

namespace tokenflow::cli {

void add_postgres_flags(CLI::App& command, sinks::PostgresStoreOptions& options);
// Checks what CLI11 cannot (the URL is set, names are valid); logs and returns false if not.
bool validate_postgres_flags(const sinks::PostgresStoreOptions& options);

}  // namespace tokenflow::cli
