#include <spdlog/spdlog.h>

#include "cli/command.hpp"
#include "cli/kafka_flags.hpp"
#include "cli/producer_flags.hpp"
#include "cli/registry_flag.hpp"
#include "cli/topics.hpp"
#include "http/http_server.hpp"
#include "kafka/admin.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/producer.hpp"
#include "sources/file_source.hpp"
#include "sources/simulate_source.hpp"

namespace tokenflow::cli {
namespace {

struct SimulateFlags {
  ProducerFlags producer;
  sources::SimulateOptions options;
  std::string registry_file;
  bool swaps = false;
  bool prices = false;
};

int run_simulate(SimulateFlags& flags, CommandContext& ctx) {
  auto loaded_registry = load_registry(flags.registry_file);
  if (!loaded_registry) return kExitUsage;
  const core::TokenRegistry& registry = *loaded_registry;
  if (registry.on_chain(flags.options.chain.chain_id).empty()) {
    spdlog::error("the token registry has no token on chain {}: add some with --registry",
                  flags.options.chain.chain_id);
    return kExitUsage;
  }
  if (flags.swaps && flags.prices) {
    spdlog::error("simulate: --swaps and --prices exclude each other: run one simulator each");
    return kExitUsage;
  }
  // --swaps publishes to defi.swaps, --prices to market.prices, unless a topic was named.
  if (flags.swaps) flags.options.events = sources::SimulatedEvents::swaps;
  if (flags.prices) flags.options.events = sources::SimulatedEvents::prices;
  if (flags.producer.topic == kTransfersTopic) {
    if (flags.swaps) flags.producer.topic = std::string(kSwapsTopic);
    if (flags.prices) flags.producer.topic = std::string(kPricesTopic);
  }
  flags.options.topic = flags.producer.topic;
  flags.options.chain.start_time = core::now_millis();
  int exit_code = kExitOk;
  auto producer = open_producer(flags.producer, exit_code);
  if (!producer) return exit_code;
  sources::SourceProbe probe;
  auto metrics = start_source_metrics(flags.producer, "simulate", probe, nullptr, nullptr, *producer);
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    return kExitUsage;
  }
  spdlog::info("simulate: publishing {} {} to {} {}",
               flags.options.count == 0 ? std::string("unlimited") : std::to_string(flags.options.count),
               sources::simulated_events_name(flags.options.events), flags.options.topic,
               flags.options.rate > 0 ? "at " + std::to_string(static_cast<long>(flags.options.rate)) + "/s"
                                      : std::string("as fast as possible"));
  auto summary = sources::run_simulation(flags.options, registry, *producer, ctx.stop, probe);
  if (!summary.ok()) {
    spdlog::error("simulate: {}", summary.error().message);
    return kExitFailure;
  }
  return kExitOk;
}

struct FileFlags {
  ProducerFlags producer;
  sources::FileReplayOptions options;
  std::string events = "transfers";
};

// Where each type of event lives (DESIGN.md, Events on the wire).
std::string_view topic_of(sources::FileEvents events) {
  switch (events) {
    case sources::FileEvents::transfers: return kTransfersTopic;
    case sources::FileEvents::swaps: return kSwapsTopic;
    case sources::FileEvents::prices: return kPricesTopic;
  }
  return kTransfersTopic;
}

int run_file(FileFlags& flags, CommandContext& ctx) {
  // --events swaps|prices publishes to that type's topic unless a topic was named.
  const auto events = sources::parse_file_events(flags.events);
  if (!events) {
    spdlog::error("--events '{}' is not transfers, swaps or prices", flags.events);
    return kExitUsage;
  }
  flags.options.events = *events;
  if (flags.producer.topic == kTransfersTopic) flags.producer.topic = std::string(topic_of(*events));
  int exit_code = kExitOk;
  auto producer = open_producer(flags.producer, exit_code);
  if (!producer) return exit_code;
  flags.options.topic = flags.producer.topic;
  kafka::DeadLetterPublisher dead_letters(*producer);
  sources::SourceProbe probe;
  auto metrics = start_source_metrics(flags.producer, "file", probe, nullptr, &dead_letters, *producer);
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    return kExitUsage;
  }
  auto summary = sources::replay_file(flags.options, *producer, dead_letters, ctx.stop, probe);
  if (!summary.ok()) {
    spdlog::error("file: {}", summary.error().message);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void register_produce(CLI::App& app, CommandContext& ctx) {
  auto* produce = app.add_subcommand("produce", "Publish events to Kafka from a source");
  produce->require_subcommand(1);

  auto sim = std::make_shared<SimulateFlags>();
  auto* simulate = produce->add_subcommand(
      "simulate", "Publish realistic simulated stablecoin transfers (registry tokens, heavy-tailed "
                  "amounts, mints and burns, many transfers per block)");
  add_producer_flags(*simulate, sim->producer);
  simulate->add_option("--count", sim->options.count, "Messages to publish; 0 = until stopped")
      ->capture_default_str();
  sim->options.rate = 1000;
  simulate->add_option("--rate", sim->options.rate, "Messages per second; 0 = as fast as possible")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  simulate->add_option("--duplicate-share", sim->options.duplicate_share,
                       "Share (0-1) of messages that re-send an earlier one, for testing")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  simulate->add_option("--malformed-share", sim->options.malformed_share,
                       "Share (0-1) of messages that are invalid on purpose, for testing")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  simulate->add_flag("--swaps", sim->swaps,
                     "Publish DEX swaps of the registry tokens (topic defi.swaps unless "
                     "--kafka-topic names another) instead of transfers");
  simulate->add_flag("--prices", sim->prices,
                     "Publish price ticks of the registry tokens (topic market.prices unless "
                     "--kafka-topic names another, keyed by asset): a random walk per token "
                     "quoted by sim-coingecko, sim-binance and sim-coinbase, which disagree "
                     "slightly, and now and then a stablecoin off its peg for a while");
  simulate->add_option("--seed", sim->options.chain.seed, "Random seed (same seed, same stream)")
      ->capture_default_str();
  simulate->add_option("--start-block", sim->options.chain.start_block, "First block number")
      ->capture_default_str();
  simulate->add_option("--chain-id", sim->options.chain.chain_id, "Chain whose registry tokens to use")
      ->capture_default_str();
  simulate->add_option("--transfers-per-block", sim->options.chain.mean_transfers_per_block,
                       "Mean transfers per block")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  add_registry_flag(*simulate, sim->registry_file);
  simulate->callback([sim, &ctx] { ctx.action = [sim, &ctx] { return run_simulate(*sim, ctx); }; });

  auto file_flags = std::make_shared<FileFlags>();
  auto* file = produce->add_subcommand(
      "file", "Replay an NDJSON file of transfers, swaps or price ticks (one JSON object per "
              "line; '-' for stdin); invalid lines go to tokenflow.dlq with the reason");
  add_producer_flags(*file, file_flags->producer);
  file->add_option("path", file_flags->options.path, "NDJSON file")->required();
  file->add_option("--events", file_flags->events,
                   "What the lines are: transfers (to stablecoin-transfers, keyed by contract), "
                   "swaps (to defi.swaps, keyed by token) or prices (to market.prices, keyed by "
                   "asset); --kafka-topic overrides the topic")
      ->check(CLI::IsMember({"transfers", "swaps", "prices"}))
      ->capture_default_str();
  file->add_flag("--raw", file_flags->options.raw,
                 "Publish lines untouched, valid or not (to exercise consumers' dead letters)");
  file->add_option("--rate", file_flags->options.rate, "Lines per second; 0 = as fast as possible")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  file->callback([file_flags, &ctx] { ctx.action = [file_flags, &ctx] { return run_file(*file_flags, ctx); }; });

  register_produce_graphql(*produce, ctx);
  register_produce_prices(*produce, ctx);
}

}  // namespace tokenflow::cli
