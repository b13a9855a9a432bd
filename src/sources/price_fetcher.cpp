#include "sources/price_fetcher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "http/errc.hpp"
#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

std::string answer_excerpt(const std::string& body) {
  std::string excerpt = body.substr(0, 120);
  std::replace_if(
      excerpt.begin(), excerpt.end(), [](char c) { return c < 0x20; }, ' ');
  return excerpt;
}

}  // namespace

PriceFetcher::PriceFetcher(std::unique_ptr<PriceApi> api, const http::HttpOptions& http,
                           PriceFetchOptions options, PriceSourceCounters& probe)
    : api_(std::move(api)),
      http_(http),
      options_(options),
      probe_(probe),
      rng_(std::random_device{}()) {}

SourceCycle PriceFetcher::fetch_cycle(const core::StopSignal& stop) {
  SourceCycle out;
  const auto started = std::chrono::steady_clock::now();
  if (started < paused_until_) {
    out.paused = true;
    spdlog::warn("prices: {} is rate limited for another {} s (its Retry-After); skipping it "
                 "this cycle",
                 name(),
                 // Rounded up: "another 0 s" would read as "no longer".
                 std::chrono::ceil<std::chrono::seconds>(paused_until_ - started).count());
    return out;
  }
  const auto& requests = api_->requests();
  const std::uint32_t max_attempts = std::max<std::uint32_t>(1, options_.retry.max_attempts);
  for (std::size_t r = 0; r < requests.size() && !stop.requested(); ++r) {
    const PriceRequest& request = requests[r];
    for (std::uint32_t number = 1;; ++number) {
      std::chrono::milliseconds wait{0};
      const Attempt result = attempt(request, number, out, wait);
      if (result == Attempt::answered) break;
      const bool may_pass = result != Attempt::give_up;
      const bool too_long = result == Attempt::rate_limited && wait > options_.longest_wait;
      if (may_pass && !too_long && number < max_attempts) {
        spdlog::warn("prices: {} retry {}/{} of {} in {} ms", name(), number + 1, max_attempts,
                     request.url, wait.count());
        if (!stop.wait_for(wait)) break;
        continue;
      }
      ++out.failed_requests;
      const std::size_t left = requests.size() - r - 1;
      if (result == Attempt::rate_limited) {
        // Asking again before the API allows it only prolongs the limit (Binance bans with
        // 418): this source waits, the others carry on.
        paused_until_ = std::chrono::steady_clock::now() + wait;
        spdlog::error("prices: {} is rate limited: pausing it for {} ms; {} asset(s) of {} and "
                      "{} more request(s) get no tick this cycle",
                      name(), wait.count(), request.assets.size(), request.url, left);
        out.failed_requests += left;
        r = requests.size();
        break;
      }
      spdlog::error("prices: {} gave up on {} after {} attempt(s); its {} asset(s) get no tick "
                    "this cycle",
                    name(), request.url, number, request.assets.size());
      if (result == Attempt::host_down && left > 0) {
        // The host does not answer at all: asking it once per asset would only add timeouts.
        spdlog::error("prices: {} cannot be reached; its other {} request(s) wait for the next "
                      "cycle",
                      name(), left);
        out.failed_requests += left;
        r = requests.size();
      }
      break;
    }
  }
  probe_.fetch_duration.record(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  return out;
}

PriceFetcher::Attempt PriceFetcher::attempt(const PriceRequest& request, std::uint32_t number,
                                            SourceCycle& out, std::chrono::milliseconds& wait) {
  auto response = http_.get(request.url, api_->headers());
  const auto fetched_at = core::now_millis();
  auto retry_in = [&](std::optional<std::chrono::milliseconds> asked) {
    wait = options_.retry.delay(number, rng_);
    if (asked) wait = std::max(wait, *asked);
  };
  if (!response.ok()) {
    const auto code = response.error().code;
    const errc reason = code == http::errc::timed_out            ? errc::timed_out
                        : code == http::errc::response_too_large ? errc::malformed_response
                                                                 : errc::connection_failed;
    probe_.fetched(FetchOutcome::failed);
    probe_.fault(reason);
    spdlog::warn("prices: {} GET {} failed ({}): {}", name(), request.url, errc_name(reason),
                 response.error().message);
    retry_in(std::nullopt);
    return reason == errc::malformed_response ? Attempt::give_up : Attempt::host_down;
  }
  const long status = response->status;
  if (status == 429 || status == 418) {
    probe_.fetched(FetchOutcome::rate_limited);
    probe_.fault(errc::rate_limited);
    retry_in(response->retry_after);
    spdlog::warn("prices: {} GET {} answered HTTP {} (rate limited{}{}); backoff {} ms", name(),
                 request.url, status, status == 418 ? ", an IP ban for ignoring 429s" : "",
                 response->retry_after
                     ? ", Retry-After " + std::to_string(response->retry_after->count() / 1000) + " s"
                     : std::string(),
                 wait.count());
    return Attempt::rate_limited;
  }
  if (status == 404 && api_->not_found_means_missing()) {
    probe_.fetched(FetchOutcome::ok);
    ++out.requests;
    for (std::size_t asset : request.assets) {
      out.answer.faults.push_back({asset, errc::missing_asset,
                                   std::string(name()) + " does not list it (HTTP 404 from " +
                                       request.url + ")"});
    }
    return Attempt::answered;
  }
  if (status != 200) {
    probe_.fetched(FetchOutcome::failed);
    probe_.fault(errc::http_status);
    spdlog::warn("prices: {} GET {} answered HTTP {}: {}", name(), request.url, status,
                 answer_excerpt(response->body));
    retry_in(response->retry_after);
    // A 4xx other than a rate limit (bad key, bad request) will not pass by asking again.
    return status >= 500 ? Attempt::retry : Attempt::give_up;
  }
  body_ = std::move(response->body);
  if (auto parsed = api_->parse(request, body_, fetched_at, out.answer); !parsed.ok()) {
    probe_.fetched(FetchOutcome::failed);
    probe_.fault(errc::malformed_response);
    spdlog::warn("prices: {}: {}", name(), parsed.error().message);
    retry_in(std::nullopt);
    return Attempt::retry;
  }
  probe_.fetched(FetchOutcome::ok);
  probe_.last_success_ms.store(fetched_at.value, std::memory_order_relaxed);
  ++out.requests;
  return Attempt::answered;
}

}  // namespace tokenflow::sources
