// PriceFetcher: one price API's part of a fetch cycle: its GETs (one for CoinGecko per 250
// ids, one for Binance, one per asset for Coinbase), each retried on failures that may pass,
// and its answers parsed into quotes and per-asset faults. Every failure is logged with the
// source, the url and the status, and counted (PriceSourceCounters).
//
// Rate limits: a 429 or 418 waits Retry-After (at least the backoff, with jitter) and asks
// again; a Retry-After longer than `longest_wait` pauses this source alone, so its next
// cycles are skipped until then while the other sources carry on.
//
// Lifecycle: built at start; one thread at a time calls fetch_cycle() (the poller runs each
// source on its own thread during a cycle); it owns its HttpClient and PriceApi.
#pragma once

#include <chrono>
#include <memory>
#include <random>

#include "core/retry_policy.hpp"
#include "core/stop_signal.hpp"
#include "http/http_client.hpp"
#include "sources/price_api.hpp"
#include "sources/price_probe.hpp"

namespace tokenflow::sources {

struct PriceFetchOptions {
  // Per request and cycle: max_attempts attempts in all (0 is taken as 1).
  core::RetryPolicy retry{std::chrono::milliseconds(500), std::chrono::milliseconds(10'000), 2.0,
                          3};
  // A rate limit asking for longer than this pauses the source instead (the poll interval).
  std::chrono::milliseconds longest_wait{60'000};
};

struct SourceCycle {
  PriceAnswer answer;
  std::size_t requests = 0;         // requests that got a usable answer
  std::size_t failed_requests = 0;  // requests given up this cycle (their assets get no tick)
  bool paused = false;              // skipped: rate limited until later
};

class PriceFetcher {
 public:
  PriceFetcher(std::unique_ptr<PriceApi> api, const http::HttpOptions& http,
               PriceFetchOptions options, PriceSourceCounters& probe);

  PriceApiKind kind() const noexcept { return api_->kind(); }
  std::string_view name() const noexcept { return price_api_name(api_->kind()); }
  // Runs every request of one cycle on the calling thread; returns what it got. Stops early
  // (returning what it has) when `stop` is requested.
  SourceCycle fetch_cycle(const core::StopSignal& stop);
  const PriceApi& api() const noexcept { return *api_; }

 private:
  enum class Attempt { answered, retry, rate_limited, give_up, host_down };
  Attempt attempt(const PriceRequest& request, std::uint32_t number, SourceCycle& out,
                  std::chrono::milliseconds& wait);

  std::unique_ptr<PriceApi> api_;
  http::HttpClient http_;
  PriceFetchOptions options_;
  PriceSourceCounters& probe_;
  std::mt19937_64 rng_;
  std::chrono::steady_clock::time_point paused_until_{};
  std::string body_;
};

}  // namespace tokenflow::sources
