// What the price poller counts, per source: fetches by outcome, faults by reason, ticks
// published and unchanged, assets an answer had no price for, fetch durations and the last
// successful fetch. Relaxed atomics: the source threads bump them, /metrics reads them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "http/prometheus.hpp"
#include "kafka/metrics.hpp"
#include "sources/errc.hpp"
#include "sources/price_api.hpp"

namespace tokenflow::sources {

enum class FetchOutcome { ok, failed, rate_limited };

// The fault reasons counted (tokenflow_price_fetch_errors_total{reason}).
inline constexpr std::array<errc, 8> kPriceFaultReasons = {
    errc::rate_limited,       errc::http_status,   errc::timed_out,  errc::connection_failed,
    errc::malformed_response, errc::missing_asset, errc::null_price, errc::invalid_price};

struct PriceSourceCounters {
  std::array<std::atomic<std::uint64_t>, 3> fetches{};  // by FetchOutcome
  std::array<std::atomic<std::uint64_t>, kPriceFaultReasons.size()> faults{};
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> unchanged{0};
  std::atomic<std::uint64_t> missing{0};
  std::atomic<std::int64_t> last_success_ms{-1};
  http::LatencyHistogram fetch_duration;

  void fetched(FetchOutcome outcome) noexcept {
    fetches[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }
  // A fault whose reason is not one of kPriceFaultReasons counts as malformed_response.
  void fault(errc reason) noexcept;
};

struct PriceProbe {
  std::array<PriceSourceCounters, kPriceApiCount> sources;
  kafka::Counter cycles{"tokenflow_price_cycles_total", "fetch cycles run"};
  kafka::Counter state_saves{"tokenflow_price_state_saves_total",
                             "state file writes after Kafka acknowledged a cycle's ticks"};
  kafka::Counter delivery_failures{"tokenflow_price_cycles_undelivered_total",
                                   "cycles whose ticks Kafka did not all acknowledge (the "
                                   "timestamps stay, the ticks are sent again)"};

  PriceSourceCounters& of(PriceApiKind kind) noexcept {
    return sources[static_cast<std::size_t>(kind)];
  }
  const PriceSourceCounters& of(PriceApiKind kind) const noexcept {
    return sources[static_cast<std::size_t>(kind)];
  }
  // Every family for the configured sources (zeros included, so dashboards see them from
  // the start); fault series appear with their first fault.
  void write(http::PrometheusWriter& out, std::span<const PriceApiKind> configured) const;
};

}  // namespace tokenflow::sources
