#include "sources/price_poller.hpp"

#include <spdlog/spdlog.h>

#include <future>

#include "codec/price_tick_encoder.hpp"
#include "sources/errc.hpp"

namespace tokenflow::sources {

PricePoller::PricePoller(PricePollerOptions options, std::vector<PriceAsset> assets,
                         std::vector<std::unique_ptr<PriceFetcher>> fetchers,
                         kafka::Producer& producer, SourceProbe& source_probe, PriceProbe& probe)
    : options_(std::move(options)),
      assets_(std::move(assets)),
      fetchers_(std::move(fetchers)),
      producer_(producer),
      source_probe_(source_probe),
      probe_(probe),
      last_published_(fetchers_.size(), std::vector<std::int64_t>(assets_.size(), -1)) {}

core::Result<void> PricePoller::load_state() {
  if (options_.state_file.empty()) return core::success();
  auto loaded = load_price_state(options_.state_file);
  if (!loaded.ok()) return std::move(loaded).error();
  saved_ = std::move(loaded).value();
  std::size_t known = 0;
  for (std::size_t s = 0; s < fetchers_.size(); ++s) {
    auto source = saved_.find(fetchers_[s]->name());
    if (source == saved_.end()) continue;
    for (std::size_t a = 0; a < assets_.size(); ++a) {
      auto asset = source->second.find(assets_[a].id);
      if (asset == source->second.end()) continue;
      last_published_[s][a] = asset->second;
      ++known;
    }
  }
  spdlog::info("prices: {} timestamps of earlier ticks read from {}", known, options_.state_file);
  return core::success();
}

void PricePoller::fill_tick(const PriceFetcher& fetcher, const PriceQuote& quote) {
  const PriceAsset& asset = assets_[quote.asset];
  tick_.source.assign(fetcher.name());
  tick_.asset.assign(asset.id);
  tick_.symbol.assign(asset.symbol);
  tick_.id = core::price_tick_id(tick_.source, tick_.asset, quote.timestamp);
  tick_.price_usd = quote.price_usd;
  tick_.timestamp = quote.timestamp;
  tick_.chain_id = asset.chain_id;
  tick_.contract_address = asset.contract_address;
  tick_.volume_24h_usd = quote.volume_24h_usd;
  tick_.change_24h_pct = quote.change_24h_pct;
  tick_.liquidity_usd.reset();
}

core::Result<void> PricePoller::deliver(const core::StopSignal& stop) {
  while (true) {
    auto flushed = producer_.flush(options_.flush_timeout);
    if (flushed.ok()) return core::success();
    if (auto fatal = producer_.fatal_error()) return *fatal;
    if (options_.once) {
      return make_error(errc::io_error,
                        "Kafka did not acknowledge the ticks within " +
                            std::to_string(options_.flush_timeout.count() / 1000) + " s (" +
                            flushed.error().message +
                            "); nothing is saved, so the next run sends them again (same ids)");
    }
    spdlog::warn("[Cycle {}] Kafka has not acknowledged the cycle's ticks yet ({}); still waiting",
                 cycle_, flushed.error().message);
    if (stop.requested()) {
      return make_error(errc::io_error,
                        "stopped before Kafka acknowledged the cycle's ticks; their timestamps "
                        "are not saved, so the next start sends them again (same ids)");
    }
  }
}

core::Result<void> PricePoller::remember(const std::vector<Pending>& pending) {
  for (const auto& p : pending) last_published_[p.source][p.asset] = p.millis;
  if (options_.state_file.empty() || pending.empty()) return core::success();
  for (std::size_t s = 0; s < fetchers_.size(); ++s) {
    auto& of_source = saved_[std::string(fetchers_[s]->name())];
    for (std::size_t a = 0; a < assets_.size(); ++a) {
      if (last_published_[s][a] >= 0) of_source[assets_[a].id] = last_published_[s][a];
    }
  }
  if (auto saved = save_price_state(options_.state_file, saved_); !saved.ok()) return saved;
  probe_.state_saves.add();
  return core::success();
}

core::Result<PriceCycleSummary> PricePoller::run_cycle(const core::StopSignal& stop) {
  ++cycle_;
  probe_.cycles.add();
  std::vector<SourceCycle> results(fetchers_.size());
  {
    // Each source on its own thread; the first on this one.
    std::vector<std::future<SourceCycle>> others;
    for (std::size_t s = 1; s < fetchers_.size(); ++s) {
      others.push_back(std::async(std::launch::async, [this, s, &stop] {
        return fetchers_[s]->fetch_cycle(stop);
      }));
    }
    if (!fetchers_.empty()) results[0] = fetchers_[0]->fetch_cycle(stop);
    for (std::size_t s = 1; s < fetchers_.size(); ++s) results[s] = others[s - 1].get();
  }
  PriceCycleSummary summary;
  pending_.clear();
  const auto failed_before = producer_.probe().failed.get();
  std::vector<std::uint64_t> published(fetchers_.size(), 0);
  std::vector<std::uint64_t> unchanged(fetchers_.size(), 0);
  for (std::size_t s = 0; s < fetchers_.size(); ++s) {
    const PriceFetcher& fetcher = *fetchers_[s];
    auto& counters = probe_.of(fetcher.kind());
    const SourceCycle& result = results[s];
    summary.failed_requests += result.failed_requests;
    if (result.requests == 0 && !fetcher.api().requests().empty()) ++summary.sources_failed;
    for (const auto& fault : result.answer.faults) {
      counters.fault(fault.reason);
      counters.missing.fetch_add(1, std::memory_order_relaxed);
      ++summary.asset_faults;
      spdlog::warn("[Cycle {}] {} {}: {} ({}); no tick for it this cycle", cycle_, fetcher.name(),
                   assets_[fault.asset].id, fault.detail, errc_name(fault.reason));
    }
    for (const auto& quote : result.answer.quotes) {
      source_probe_.read.add();
      if (quote.timestamp.value <= last_published_[s][quote.asset]) {
        ++unchanged[s];
        continue;
      }
      fill_tick(fetcher, quote);
      codec::encode_price_tick(tick_, payload_);
      if (auto sent = producer_.produce(options_.topic, tick_.asset, payload_); !sent.ok()) {
        return std::move(sent).error();
      }
      pending_.push_back({s, quote.asset, quote.timestamp.value});
      ++published[s];
    }
  }
  // Assets no source quoted this cycle: a typo, a delisted coin or every source down for it.
  // --once then fails, so that cron does not take a cycle without them for a good one.
  std::vector<char> quoted(assets_.size(), 0);
  for (const auto& result : results) {
    for (const auto& quote : result.answer.quotes) quoted[quote.asset] = 1;
  }
  std::string unquoted;
  for (std::size_t a = 0; a < assets_.size(); ++a) {
    if (quoted[a]) continue;
    ++summary.assets_unquoted;
    unquoted += (unquoted.empty() ? "" : ", ") + assets_[a].id;
  }
  if (!unquoted.empty()) {
    spdlog::warn("[Cycle {}] no source quoted {} this cycle", cycle_, unquoted);
  }
  if (!pending_.empty()) {
    auto delivered = deliver(stop);
    if (!delivered.ok()) return std::move(delivered).error();
  }
  if (const auto failed = producer_.probe().failed.get() - failed_before; failed > 0) {
    // Nothing of this cycle is remembered: its ticks go out again next cycle, same ids.
    probe_.delivery_failures.add();
    summary.delivered = false;
    spdlog::error("[Cycle {}] Kafka did not acknowledge {} of {} ticks; they are sent again next "
                  "cycle (same ids)",
                  cycle_, failed, pending_.size());
    pending_.clear();
    std::fill(published.begin(), published.end(), 0);
  }
  if (auto saved = remember(pending_); !saved.ok()) return saved.error();
  std::string per_source;
  for (std::size_t s = 0; s < fetchers_.size(); ++s) {
    auto& counters = probe_.of(fetchers_[s]->kind());
    counters.published.fetch_add(published[s], std::memory_order_relaxed);
    counters.unchanged.fetch_add(unchanged[s], std::memory_order_relaxed);
    source_probe_.published.add(published[s]);
    summary.published += published[s];
    summary.unchanged += unchanged[s];
    if (!per_source.empty()) per_source += ", ";
    per_source += std::string(fetchers_[s]->name()) + " " + std::to_string(published[s]) + "/" +
                  std::to_string(unchanged[s]) +
                  (results[s].paused ? " (paused)" : "") +
                  (results[s].failed_requests > 0
                       ? " (" + std::to_string(results[s].failed_requests) + " failed requests)"
                       : "");
  }
  spdlog::info("[Cycle {}] Published {} ticks to {}, {} unchanged, {} asset faults, {} failed "
               "requests; published/unchanged by source: {}",
               cycle_, summary.published, options_.topic, summary.unchanged, summary.asset_faults,
               summary.failed_requests, per_source);
  return summary;
}

core::Result<PricePollerSummary> PricePoller::run(const core::StopSignal& stop) {
  PricePollerSummary summary;
  while (!stop.requested()) {
    const auto started = std::chrono::steady_clock::now();
    auto cycle = run_cycle(stop);
    if (!cycle.ok()) return std::move(cycle).error();
    ++summary.cycles;
    summary.published += cycle->published;
    summary.unchanged += cycle->unchanged;
    summary.faults += cycle->asset_faults + cycle->failed_requests;
    summary.last = *cycle;
    if (options_.once) break;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (elapsed < options_.interval) stop.wait_for(options_.interval - elapsed);
  }
  return summary;
}

}  // namespace tokenflow::sources
