// Prometheus text exposition (format 0.0.4) and the histogram the roles record latencies in.
//
// No Prometheus client library is packaged in Debian, and the format is a few lines of
// text, so the roles write their /metrics body with PrometheusWriter from the probes they
// already keep (kafka::Counter, kafka::Gauge, LatencyHistogram).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/dead_letter.hpp"
#include "kafka/metrics.hpp"

namespace tokenflow::http {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";

// A label set, e.g. {{"rule", "large"}, {"token", "USDC"}}; values are escaped on output.
using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// Latencies in milliseconds, in fixed buckets (0.25 ms to 60 s). record() is a few relaxed
// atomic adds, so the hot thread pays almost nothing and /metrics reads it from any thread.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 20> kBoundsMs = {
      0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 250, 500, 1000, 2500, 5000, 10000,
      60000};

  void record(double ms) noexcept;
  std::uint64_t count() const noexcept { return count_.load(std::memory_order_relaxed); }
  double sum_ms() const noexcept;
  double max_ms() const noexcept;
  // The upper bound of the bucket holding quantile q (0..1): an over-estimate by at most one
  // bucket; 0 when empty.
  double quantile_ms(double q) const noexcept;
  // Cumulative counts per bound (and +Inf last), as Prometheus wants them.
  std::array<std::uint64_t, kBoundsMs.size() + 1> cumulative() const noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsMs.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_us_{0};
  std::atomic<std::uint64_t> max_us_{0};
};

// Appends metric families to a string. Each family's HELP and TYPE lines are written once,
// by the first sample of that name (samples of one family must be written together).
class PrometheusWriter {
 public:
  void counter(std::string_view name, std::string_view help, std::uint64_t value,
               const Labels& labels = {});
  void gauge(std::string_view name, std::string_view help, double value,
             const Labels& labels = {});
  // A histogram in seconds (Prometheus' base unit) from one in milliseconds.
  void histogram_seconds(std::string_view name, std::string_view help,
                         const LatencyHistogram& histogram, const Labels& labels = {});
  // The kafka layer's probes, under their own names.
  void counter(const kafka::Counter& counter) { this->counter(counter.name, counter.help, counter.get()); }
  void gauge(const kafka::Gauge& gauge) {
    this->gauge(gauge.name, gauge.help, static_cast<double>(gauge.get()));
  }

  // A consumer's counters, its assigned-partitions gauge and its lag per partition
  // (tokenflow_consumer_lag_messages and tokenflow_consumer_lag_seconds{topic,partition}).
  void consumer(const kafka::ConsumerProbe& probe);
  // The dead letters of every publisher a role has (null ones skipped): their counters
  // summed, then per topic and reason kind (tokenflow_dead_letters_total{topic,reason}).
  void dead_letters(std::initializer_list<const kafka::DeadLetterPublisher*> publishers);

  const std::string& text() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, std::string_view suffix, const Labels& labels,
              std::string_view extra_label, std::string_view extra_value, std::string_view value);

  std::string out_;
  std::string last_family_;
};

}  // namespace tokenflow::http
