// `tokenflow produce prices`: every --interval, one fetch cycle over the configured price
// APIs (each on its own thread, so one slow or failing API never holds up the others),
// then one tick per asset and source to Kafka (market.prices, keyed by asset), unless the
// source's timestamp for that asset has not moved since the last tick published. The
// cycle's ticks are flushed; only once Kafka acknowledged all of them are their timestamps
// remembered and written to the state file (a tick remembered but not delivered would be
// lost; one delivered but not remembered is sent again with the same id, which consumers
// recognise).
//
// Lifecycle: construct, load_state(), then run() (or run_cycle() repeatedly) on one thread,
// which owns the producer for the duration; the fetchers' threads live within a cycle.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/price_tick.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "kafka/producer.hpp"
#include "sources/price_assets.hpp"
#include "sources/price_fetcher.hpp"
#include "sources/price_probe.hpp"
#include "sources/price_state_file.hpp"
#include "sources/source_probe.hpp"

namespace tokenflow::sources {

struct PricePollerOptions {
  std::string topic = "market.prices";
  std::string state_file;  // empty: remembered in memory only
  std::chrono::milliseconds interval{60'000};
  bool once = false;
  // How long one wait for Kafka's acknowledgements lasts. A long-running poller waits again
  // (the ticks stay queued); --once gives up after one wait, exit 1, so that cron runs do not
  // pile up behind a cluster that is down.
  std::chrono::milliseconds flush_timeout{30'000};
};

struct PriceCycleSummary {
  std::uint64_t published = 0;
  std::uint64_t unchanged = 0;
  std::uint64_t asset_faults = 0;     // assets an answer had no usable price for
  std::uint64_t failed_requests = 0;  // requests given up (their assets have no tick)
  std::uint64_t sources_failed = 0;   // sources of which no request got an answer
  std::uint64_t assets_unquoted = 0;  // assets no source gave a price for (new or unchanged)
  bool delivered = true;              // Kafka acknowledged every tick of the cycle
};

struct PricePollerSummary {
  std::uint64_t cycles = 0;
  std::uint64_t published = 0;
  std::uint64_t unchanged = 0;
  std::uint64_t faults = 0;
  PriceCycleSummary last;
};

class PricePoller {
 public:
  PricePoller(PricePollerOptions options, std::vector<PriceAsset> assets,
              std::vector<std::unique_ptr<PriceFetcher>> fetchers, kafka::Producer& producer,
              SourceProbe& source_probe, PriceProbe& probe);

  // Reads the state file (if any). Errors: errc::corrupt_state, errc::io_error.
  core::Result<void> load_state();
  // One cycle: fetch, publish, flush, remember. Errors end the role: a fatal producer error,
  // a state file that cannot be written.
  core::Result<PriceCycleSummary> run_cycle(const core::StopSignal& stop);
  // Cycles every interval (from the start of one to the start of the next) until stopped,
  // or once with options.once.
  core::Result<PricePollerSummary> run(const core::StopSignal& stop);

 private:
  struct Pending {
    std::size_t source;
    std::size_t asset;
    std::int64_t millis;
  };
  void fill_tick(const PriceFetcher& fetcher, const PriceQuote& quote);
  core::Result<void> deliver(const core::StopSignal& stop);
  core::Result<void> remember(const std::vector<Pending>& pending);

  PricePollerOptions options_;
  std::vector<PriceAsset> assets_;
  std::vector<std::unique_ptr<PriceFetcher>> fetchers_;
  kafka::Producer& producer_;
  SourceProbe& source_probe_;
  PriceProbe& probe_;
  // [fetcher][asset]: unix ms of the last tick acknowledged, -1 for none.
  std::vector<std::vector<std::int64_t>> last_published_;
  PublishedTimestamps saved_;  // the file's contents, assets not configured included
  std::vector<Pending> pending_;
  core::PriceTick tick_;
  std::string payload_;
  std::uint64_t cycle_ = 0;
};

}  // namespace tokenflow::sources
