// `tokenflow produce graphql`: its settings, declared once with flag, environment variable,
// default and validation, turned into sources::GraphqlSourceOptions.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cli/command.hpp"
#include "cli/http_flags.hpp"
#include "cli/producer_flags.hpp"
#include "http/http_server.hpp"
#include "kafka/dead_letter.hpp"
#include "sources/graphql_source.hpp"

namespace tokenflow::cli {
namespace {

constexpr const char* kDefaultFields =
    "id,blockNumber,timestamp,contractAddress,from,to,value,transactionHash,logIndex";

struct GraphqlFlags {
  ProducerFlags producer;
  sources::GraphqlSourceOptions options;
  std::string dialect = "hasura";
  std::string fields = kDefaultFields;
  std::vector<std::string> field_map;
  double poll_interval_s = 5;
  double request_timeout_s = 30;
  std::uint32_t retry_initial_ms = 500;
  std::uint32_t retry_cap_ms = 30'000;
  std::uint32_t max_attempts = 0;
  std::size_t max_response_bytes = http::kDefaultMaxResponseBytes;
  CLI::Option* start_block = nullptr;
};

std::vector<std::string> split_fields(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text + ",") {
    if (c == ',' || c == ' ' || c == '\n' || c == '\t') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item.push_back(c);
    }
  }
  return out;
}

// Fills the options from the flags; false (after a log line) if they do not fit together.
bool configure(GraphqlFlags& flags) {
  auto& o = flags.options;
  o.topic = flags.producer.topic;
  o.query.dialect =
      flags.dialect == "thegraph" ? sources::Dialect::thegraph : sources::Dialect::hasura;
  auto mapping = sources::FieldMapping::parse(flags.field_map);
  if (!mapping.ok()) {
    spdlog::error("{}", mapping.error().message);
    return false;
  }
  o.mapping = std::move(mapping).value();
  o.query.block_field = std::string(o.mapping.to_indexer("block_number", "blockNumber"));
  o.query.id_field = std::string(o.mapping.to_indexer("id", "id"));
  o.query.fields = split_fields(flags.fields);
  for (const auto& needed : {o.query.id_field, o.query.block_field}) {
    if (std::find(o.query.fields.begin(), o.query.fields.end(), needed) == o.query.fields.end()) {
      o.query.fields.push_back(needed);
    }
  }
  if (auto valid = sources::validate(o.query); !valid.ok()) {
    spdlog::error("{}", valid.error().message);
    return false;
  }
  if (o.query.dialect == sources::Dialect::thegraph && o.query.page_size > 1000) {
    spdlog::error("--page-size {}: The Graph serves at most 1000 entities per query (`first`)",
                  o.query.page_size);
    return false;
  }
  o.poll_interval =
      std::chrono::milliseconds(static_cast<std::int64_t>(flags.poll_interval_s * 1000));
  o.retry.initial = std::chrono::milliseconds(flags.retry_initial_ms);
  o.retry.cap = std::chrono::milliseconds(std::max(flags.retry_cap_ms, flags.retry_initial_ms));
  o.retry.max_attempts = flags.max_attempts;
  o.start_block_given = flags.start_block != nullptr && flags.start_block->count() > 0;
  return true;
}

int run_graphql(GraphqlFlags& flags, CommandContext& ctx) {
  if (!configure(flags)) return kExitUsage;
  int exit_code = kExitOk;
  auto producer = open_producer(flags.producer, exit_code);
  if (!producer) return exit_code;
  kafka::DeadLetterPublisher dead_letters(*producer);
  http::HttpOptions http_options;
  http_options.request_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(flags.request_timeout_s * 1000));
  http_options.max_response_bytes = flags.max_response_bytes;
  http::HttpClient http(http_options);
  sources::SourceProbe probe;
  sources::IndexerProbe indexer;
  auto metrics = start_source_metrics(flags.producer, "graphql", probe, &indexer, &dead_letters,
                                      *producer);
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    return kExitUsage;
  }
  const auto& o = flags.options;
  spdlog::info("graphql: polling {} ({} dialect, table {}, {} per page, every {} s{}) into {}",
               o.endpoint, sources::dialect_name(o.query.dialect), o.query.table, o.query.page_size,
               flags.poll_interval_s,
               o.confirmations > 0 ? ", " + std::to_string(o.confirmations) + " confirmations"
                                   : std::string(),
               o.topic);
  auto summary =
      sources::run_graphql_source(o, http, *producer, dead_letters, ctx.stop, probe, indexer);
  if (!summary.ok()) {
    spdlog::error("graphql: {}", summary.error().message);
    return kExitFailure;
  }
  spdlog::info(
      "graphql: stopped after {} polls: {} records published, {} dead letters, {} "
      "indexer failures survived, {} HTTP connection(s); cursor after block {} id {}",
      summary->polls, summary->published, summary->dead_letters, summary->failures,
      http.connections_opened(), summary->cursor.block, summary->cursor.id);
  return kExitOk;
}

}  // namespace

void register_produce_graphql(CLI::App& produce, CommandContext& ctx) {
  auto flags = std::make_shared<GraphqlFlags>();
  auto& o = flags->options;
  auto* cmd = produce.add_subcommand(
      "graphql",
      "Poll a GraphQL indexer (Hasura/Envio or The Graph) for transfers and publish them; the "
      "cursor (block, id) is saved only after Kafka acknowledged each page");
  add_producer_flags(*cmd, flags->producer);
  cmd->add_option("--endpoint", o.endpoint, "GraphQL endpoint of the indexer")
      ->envname("GRAPHQL_ENDPOINT")
      ->capture_default_str();
  cmd->add_option("--graphql-table", o.query.table, "Entity (table) holding the transfers")
      ->capture_default_str();
  cmd->add_option("--dialect", flags->dialect,
                  "Query dialect: hasura (Hasura v2, Envio HyperIndex) or thegraph (graph-node)")
      ->check(CLI::IsMember({"hasura", "thegraph"}))
      ->capture_default_str();
  cmd->add_option("--fields", flags->fields,
                  "Indexer fields to select, comma-separated (the block and id fields are "
                  "always added)")
      ->capture_default_str();
  cmd->add_option("--field-map", flags->field_map,
                  "indexerName=transfer_field, repeatable (transfer fields: id, block_number, "
                  "timestamp, contract_address, from_address, to_address, value, chain_id, "
                  "tx_hash, log_index, symbol, decimals); blockNumber, from, to, "
                  "contractAddress, transactionHash, logIndex are known without it");
  cmd->add_option("--page-size", o.query.page_size, "Records per request")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  cmd->add_option("--poll-interval", flags->poll_interval_s,
                  "Seconds to wait when caught up (a full page is followed at once)")
      ->envname("POLL_INTERVAL")
      ->check(CLI::Range(0.0, 86'400.0))
      ->capture_default_str();
  cmd->add_option("--confirmations", o.confirmations,
                  "Publish only blocks at least this far below the indexer's head (its _meta)")
      ->capture_default_str();
  cmd->add_option("--state-file", o.state_file, "Where the cursor is kept between runs")
      ->capture_default_str();
  cmd->add_flag("--reset-state", o.reset_state,
                "Ignore the state file and start at --start-block (the file is overwritten)");
  flags->start_block =
      cmd->add_option("--start-block", o.start_block, "First block to read when there is no state")
          ->capture_default_str();
  cmd->add_option("--request-timeout", flags->request_timeout_s,
                  "Seconds an indexer request may take before it is retried")
      ->check(CLI::Range(0.1, 3'600.0))
      ->capture_default_str();
  cmd->add_option("--retry-initial-ms", flags->retry_initial_ms,
                  "First backoff after an indexer failure (doubles, with jitter)")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  cmd->add_option("--retry-max-ms", flags->retry_cap_ms, "Longest backoff between attempts")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  cmd->add_option("--max-attempts", flags->max_attempts,
                  "Consecutive failed attempts before giving up (exit 1); 0 = never give up")
      ->capture_default_str();
  add_max_response_bytes_flag(*cmd, flags->max_response_bytes,
                              "the indexer (a page of --page-size records must fit)");
  cmd->add_flag("--exit-when-caught-up", o.exit_when_caught_up,
                "Stop (exit 0) at the first page that is not full instead of polling on");
  cmd->callback([flags, &ctx] { ctx.action = [flags, &ctx] { return run_graphql(*flags, ctx); }; });
}

}  // namespace tokenflow::cli
