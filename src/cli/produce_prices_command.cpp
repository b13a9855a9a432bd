// `tokenflow produce prices`: its settings, declared once with flag, environment variable,
// default and validation, turned into the price poller's assets, fetchers and options.
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli/command.hpp"
#include "cli/http_flags.hpp"
#include "cli/producer_flags.hpp"
#include "cli/registry_flag.hpp"
#include "http/http_server.hpp"
#include "http/prometheus.hpp"
#include "sources/price_poller.hpp"

namespace tokenflow::cli {
namespace {

struct PricesFlags {
  ProducerFlags producer;
  std::vector<std::string> sources{"coingecko"};
  std::string coingecko_url = "https://api.coingecko.com";
  std::string binance_url = "https://api.binance.com";
  std::string coinbase_url = "https://api.coinbase.com";
  std::string coingecko_api_key;
  std::vector<std::string> assets{"beldex", "usd-coin", "tether", "ethereum"};
  std::string asset_map;
  std::string registry_file;
  double interval_s = 60;
  bool once = false;
  std::string state_file = ".price_state.json";
  double timeout_s = 10;
  std::uint32_t max_attempts = 3;
  std::uint32_t retry_initial_ms = 500;
  std::uint32_t retry_cap_ms = 10'000;
  std::size_t max_response_bytes = 16 * 1024 * 1024;
};

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// The fetchers of the chosen sources; empty (after a log line) when a name is unknown.
std::vector<std::unique_ptr<sources::PriceFetcher>> make_fetchers(
    const PricesFlags& flags, const std::vector<sources::PriceAsset>& assets,
    sources::PriceProbe& probe, std::vector<sources::PriceApiKind>& kinds) {
  http::HttpOptions http_options;
  http_options.request_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(flags.timeout_s * 1000));
  http_options.connect_timeout = std::min(http_options.connect_timeout, http_options.request_timeout);
  http_options.max_response_bytes = flags.max_response_bytes;
  sources::PriceFetchOptions fetch;
  fetch.retry.initial = std::chrono::milliseconds(flags.retry_initial_ms);
  fetch.retry.cap = std::chrono::milliseconds(std::max(flags.retry_cap_ms, flags.retry_initial_ms));
  fetch.retry.max_attempts = flags.max_attempts;
  fetch.longest_wait = std::chrono::milliseconds(static_cast<std::int64_t>(flags.interval_s * 1000));
  std::vector<std::unique_ptr<sources::PriceFetcher>> fetchers;
  for (const auto& name : flags.sources) {
    const auto kind = sources::parse_price_api(name);
    if (!kind) {
      spdlog::error("--sources: '{}' is not coingecko, binance or coinbase", name);
      return {};
    }
    if (std::find(kinds.begin(), kinds.end(), *kind) != kinds.end()) continue;
    kinds.push_back(*kind);
    sources::PriceApiOptions api;
    api.base_url = without_trailing_slash(*kind == sources::PriceApiKind::coingecko ? flags.coingecko_url
                                          : *kind == sources::PriceApiKind::binance ? flags.binance_url
                                                                                    : flags.coinbase_url);
    if (*kind == sources::PriceApiKind::coingecko) api.api_key = flags.coingecko_api_key;
    auto adapter = sources::make_price_api(*kind, api, assets);
    if (adapter->requests().empty()) {
      spdlog::warn("prices: {} quotes none of the assets (no symbol known: add them to "
                   "--asset-map); it is not asked",
                   name);
    }
    fetchers.push_back(std::make_unique<sources::PriceFetcher>(std::move(adapter), http_options,
                                                               fetch, probe.of(*kind)));
  }
  return fetchers;
}

int run_prices(PricesFlags& flags, CommandContext& ctx) {
  auto registry = load_registry(flags.registry_file);
  if (!registry) return kExitUsage;
  sources::AssetMap map;
  if (!flags.asset_map.empty()) {
    auto loaded = sources::load_asset_map(flags.asset_map);
    if (!loaded.ok()) {
      spdlog::error("{}", loaded.error().message);
      return kExitUsage;
    }
    map = std::move(loaded).value();
  }
  auto assets = sources::resolve_price_assets(flags.assets, map, *registry);
  if (!assets.ok()) {
    spdlog::error("{}", assets.error().message);
    return kExitUsage;
  }
  for (const auto& asset : *assets) {
    if (asset.symbol.empty()) {
      spdlog::warn("prices: no symbol known for '{}': only CoinGecko can quote it; name its "
                   "symbol in --asset-map for Binance and Coinbase",
                   asset.id);
    }
  }
  sources::PriceProbe probe;
  std::vector<sources::PriceApiKind> kinds;
  auto fetchers = make_fetchers(flags, *assets, probe, kinds);
  if (fetchers.empty()) {
    spdlog::error("--sources names no price API: give coingecko, binance and/or coinbase");
    return kExitUsage;
  }
  if (std::all_of(fetchers.begin(), fetchers.end(),
                  [](const auto& f) { return f->api().requests().empty(); })) {
    spdlog::error("no source of --sources can quote any of --assets (Binance and Coinbase need "
                  "a symbol: name it in --asset-map, or add coingecko to --sources)");
    return kExitUsage;
  }
  // The state file is written after each cycle's ticks are published: a directory that is not
  // there would be found only then.
  if (!flags.state_file.empty()) {
    auto dir = std::filesystem::path(flags.state_file).parent_path();
    if (dir.empty()) dir = ".";
    if (::access(dir.c_str(), W_OK) != 0) {
      spdlog::error("--state-file {}: cannot write in {}: {}", flags.state_file, dir.string(),
                    std::strerror(errno));
      return kExitUsage;
    }
  }
  int exit_code = kExitOk;
  auto producer = open_producer(flags.producer, exit_code);
  if (!producer) return exit_code;
  sources::SourceProbe source_probe;
  auto metrics = start_source_metrics(
      flags.producer, "prices", source_probe, nullptr, nullptr, *producer,
      [&probe, &kinds](http::PrometheusWriter& out) { probe.write(out, kinds); });
  if (!metrics.ok()) {
    spdlog::error("{}", metrics.error().message);
    return kExitUsage;
  }
  sources::PricePollerOptions options;
  options.topic = flags.producer.topic;
  options.state_file = flags.state_file;
  options.interval = std::chrono::milliseconds(static_cast<std::int64_t>(flags.interval_s * 1000));
  options.once = flags.once;
  std::string names;
  for (const auto& fetcher : fetchers) names += (names.empty() ? "" : ",") + std::string(fetcher->name());
  spdlog::info("prices: {} assets from {} {} into {} (state in {})", assets->size(), names,
               flags.once ? std::string("once") : fmt::format("every {:g} s", flags.interval_s),
               options.topic, options.state_file.empty() ? "memory only" : options.state_file);
  sources::PricePoller poller(options, std::move(assets).value(), std::move(fetchers), *producer,
                              source_probe, probe);
  if (auto loaded = poller.load_state(); !loaded.ok()) {
    spdlog::error("{}", loaded.error().message);
    return kExitUsage;
  }
  auto summary = poller.run(ctx.stop);
  if (!summary.ok()) {
    spdlog::error("prices: {}", summary.error().message);
    return kExitFailure;
  }
  spdlog::info("prices: stopped after {} cycles: {} ticks published, {} unchanged, {} faults "
               "survived",
               summary->cycles, summary->published, summary->unchanged, summary->faults);
  // For cron: --once fails when a source answered nothing, an asset got no price from any
  // source, or Kafka did not take the ticks.
  if (flags.once && (summary->last.sources_failed > 0 || summary->last.assets_unquoted > 0 ||
                     !summary->last.delivered)) {
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void register_produce_prices(CLI::App& produce, CommandContext& ctx) {
  auto flags = std::make_shared<PricesFlags>();
  flags->producer.topic = std::string(kPricesTopic);
  auto* cmd = produce.add_subcommand(
      "prices",
      "Poll price APIs (CoinGecko, Binance, Coinbase) and publish one tick per asset and source "
      "to market.prices, keyed by asset; exact decimals, a price whose source timestamp did not "
      "move is not published again");
  add_producer_flags(*cmd, flags->producer);
  cmd->add_option("--sources", flags->sources, "Price APIs to poll: coingecko, binance, coinbase")
      ->delimiter(',')
      ->check(CLI::IsMember({"coingecko", "binance", "coinbase"}))
      ->capture_default_str();
  cmd->add_option("--assets", flags->assets,
                  "CoinGecko ids, comma-separated; symbols and contracts come from the "
                  "registry's table or --asset-map")
      ->envname("PRICE_ASSETS")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--asset-map", flags->asset_map,
                  "JSON file: id -> symbol, binance pair, coinbase base, chain_id, "
                  "contract_address (docs/prices.md)")
      ->check(CLI::ExistingFile);
  add_registry_flag(*cmd, flags->registry_file, "its tokens give the assets their contract addresses");
  cmd->add_option("--coingecko-url", flags->coingecko_url, "CoinGecko API base URL")
      ->capture_default_str();
  cmd->add_option("--coingecko-api-key", flags->coingecko_api_key,
                  "CoinGecko API key (x-cg-demo-api-key, or x-cg-pro-api-key for "
                  "pro-api.coingecko.com)")
      ->envname("COINGECKO_API_KEY");
  cmd->add_option("--binance-url", flags->binance_url, "Binance API base URL")->capture_default_str();
  cmd->add_option("--coinbase-url", flags->coinbase_url, "Coinbase API base URL")
      ->capture_default_str();
  cmd->add_option("--interval", flags->interval_s,
                  "Seconds from one fetch cycle's start to the next (CoinGecko refreshes its "
                  "prices every 60 s; shorter only helps Binance and Coinbase)")
      ->envname("FETCH_INTERVAL")
      ->check(CLI::Range(0.05, 86'400.0))
      ->capture_default_str();
  cmd->add_flag("--once", flags->once,
                "Fetch once, publish, save the state and exit (for cron): exit 1 if a source "
                "answered nothing");
  cmd->add_option("--state-file", flags->state_file,
                  "Where the last published timestamp per source and asset is kept; '' for "
                  "memory only")
      ->capture_default_str();
  cmd->add_option("--timeout", flags->timeout_s, "Seconds a request may take")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  cmd->add_option("--max-attempts", flags->max_attempts,
                  "Attempts per request and cycle (5xx, timeouts, garbage, 429/418)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--retry-initial-ms", flags->retry_initial_ms,
                  "First backoff after a failed request (doubles, with jitter)")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  cmd->add_option("--retry-max-ms", flags->retry_cap_ms, "Longest backoff between attempts")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  add_max_response_bytes_flag(*cmd, flags->max_response_bytes, "the price APIs");
  cmd->callback([flags, &ctx] { ctx.action = [flags, &ctx] { return run_prices(*flags, ctx); }; });
}

}  // namespace tokenflow::cli
