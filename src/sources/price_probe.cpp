#include "sources/price_probe.hpp"

#include <algorithm>

namespace tokenflow::sources {

void PriceSourceCounters::fault(errc reason) noexcept {
  auto it = std::find(kPriceFaultReasons.begin(), kPriceFaultReasons.end(), reason);
  if (it == kPriceFaultReasons.end()) it = kPriceFaultReasons.begin() + 4;  // malformed_response
  faults[static_cast<std::size_t>(it - kPriceFaultReasons.begin())].fetch_add(
      1, std::memory_order_relaxed);
}

void PriceProbe::write(http::PrometheusWriter& out,
                       std::span<const PriceApiKind> configured) const {
  auto load = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  static constexpr std::array<std::string_view, 3> kOutcomes = {"ok", "failed", "rate_limited"};
  for (auto kind : configured) {
    for (std::size_t o = 0; o < kOutcomes.size(); ++o) {
      out.counter("tokenflow_price_fetches_total",
                  "HTTP requests to a price API, by source and outcome", load(of(kind).fetches[o]),
                  {{"source", price_api_name(kind)}, {"outcome", kOutcomes[o]}});
    }
  }
  for (auto kind : configured) {
    for (std::size_t r = 0; r < kPriceFaultReasons.size(); ++r) {
      const auto count = load(of(kind).faults[r]);
      if (count == 0) continue;
      out.counter("tokenflow_price_fetch_errors_total",
                  "faults survived, by source and reason (a request's or one asset's)", count,
                  {{"source", price_api_name(kind)}, {"reason", errc_name(kPriceFaultReasons[r])}});
    }
  }
  auto per_source = [&](const char* name, const char* help, auto field) {
    for (auto kind : configured) out.counter(name, help, load(of(kind).*field), {{"source", price_api_name(kind)}});
  };
  per_source("tokenflow_price_ticks_published_total", "ticks acknowledged by Kafka",
             &PriceSourceCounters::published);
  per_source("tokenflow_price_ticks_unchanged_total",
             "prices not published again: their source timestamp had not moved",
             &PriceSourceCounters::unchanged);
  per_source("tokenflow_price_assets_missing_total",
             "assets an answer had no usable price for (absent, null or not a price)",
             &PriceSourceCounters::missing);
  for (auto kind : configured) {
    out.histogram_seconds("tokenflow_price_fetch_duration_seconds",
                          "one source's part of a fetch cycle: its requests, retries and parsing",
                          of(kind).fetch_duration, {{"source", price_api_name(kind)}});
  }
  for (auto kind : configured) {
    const auto last = of(kind).last_success_ms.load(std::memory_order_relaxed);
    if (last < 0) continue;
    out.gauge("tokenflow_price_last_success_timestamp_seconds",
              "when a source last answered a cycle's requests (unix seconds)",
              static_cast<double>(last) / 1000.0, {{"source", price_api_name(kind)}});
  }
  out.counter(cycles);
  out.counter(state_saves);
  out.counter(delivery_failures);
}

}  // namespace tokenflow::sources
