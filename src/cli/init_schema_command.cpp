#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/postgres_flags.hpp"

namespace tokenflow::cli {
namespace {

int run_init_schema(const sinks::PostgresStoreOptions& options) {
  if (!validate_postgres_flags(options)) return kExitUsage;
  // The transfers table (--table) and the price history beside it, in the same schema.
  auto prices = options;
  prices.table = std::string(sinks::PriceHistoryTable::kDefaultName);
  sinks::PostgresStore transfers_store(options);
  sinks::PriceHistoryStore prices_store(prices);
  std::string tables;
  auto create = [&](auto& store) {
    auto done = store.connect();
    if (done.ok()) done = store.init_schema();
    if (!done.ok()) {
      spdlog::error("init-schema: {}", done.error().message);
      return false;
    }
    tables += store.table_name() + ", ";
    return true;
  };
  if (!create(transfers_store) || !create(prices_store)) return kExitFailure;
  spdlog::info("init-schema: {}and {}.{} are ready on {}", tables, options.schema,
               options.positions_table, sinks::PostgresStore::describe_url(options.url));
  return kExitOk;
}

}  // namespace

void register_init_schema(CLI::App& app, CommandContext& ctx) {
  auto options = std::make_shared<sinks::PostgresStoreOptions>();
  auto* cmd = app.add_subcommand(
      "init-schema",
      "Create the PostgreSQL schema, the transfers table (value NUMERIC(78,0), primary key on "
      "the event id), the price history (price_history: price NUMERIC, primary key on asset, "
      "source and timestamp), their indexes and the offsets table. Idempotent.");
  add_postgres_flags(*cmd, *options);
  cmd->callback([options, &ctx] { ctx.action = [options] { return run_init_schema(*options); }; });
}

}  // namespace tokenflow::cli
