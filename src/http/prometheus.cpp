#include "http/prometheus.hpp"

#include "core/timestamp.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace tokenflow::http {
namespace {

std::string format_double(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

void append_escaped_label(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

void LatencyHistogram::record(double ms) noexcept {
  if (!(ms >= 0)) ms = 0;  // NaN and a negative delay (clock skew) count as zero
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBoundsMs.begin(), kBoundsMs.end(), ms) - kBoundsMs.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  const auto us = static_cast<std::uint64_t>(std::min(ms * 1000.0, 1e15));
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  auto seen = max_us_.load(std::memory_order_relaxed);
  while (us > seen && !max_us_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
  }
}

double LatencyHistogram::sum_ms() const noexcept {
  return static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1000.0;
}

double LatencyHistogram::max_ms() const noexcept {
  return static_cast<double>(max_us_.load(std::memory_order_relaxed)) / 1000.0;
}

std::array<std::uint64_t, LatencyHistogram::kBoundsMs.size() + 1> LatencyHistogram::cumulative()
    const noexcept {
  std::array<std::uint64_t, kBoundsMs.size() + 1> out{};
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

double LatencyHistogram::quantile_ms(double q) const noexcept {
  const auto counts = cumulative();
  const auto total = counts.back();
  if (total == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  for (std::size_t i = 0; i < kBoundsMs.size(); ++i) {
    if (counts[i] >= rank) return std::min(kBoundsMs[i], max_ms());
  }
  return max_ms();
}

void PrometheusWriter::family(std::string_view name, std::string_view help,
                              std::string_view type) {
  if (last_family_ == name) return;
  last_family_.assign(name);
  out_.append("# HELP ").append(name).append(" ");
  for (char c : help) out_.append(c == '\n' ? "\\n" : c == '\\' ? "\\\\" : std::string(1, c));
  out_.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusWriter::sample(std::string_view name, std::string_view suffix,
                              const Labels& labels, std::string_view extra_label,
                              std::string_view extra_value, std::string_view value) {
  out_.append(name).append(suffix);
  if (!labels.empty() || !extra_label.empty()) {
    out_.push_back('{');
    bool first = true;
    auto label = [&](std::string_view key, std::string_view text) {
      if (!first) out_.push_back(',');
      first = false;
      out_.append(key).append("=\"");
      append_escaped_label(out_, text);
      out_.push_back('"');
    };
    for (const auto& [key, text] : labels) label(key, text);
    if (!extra_label.empty()) label(extra_label, extra_value);
    out_.push_back('}');
  }
  out_.push_back(' ');
  out_.append(value);
  out_.push_back('\n');
}

void PrometheusWriter::counter(std::string_view name, std::string_view help, std::uint64_t value,
                               const Labels& labels) {
  family(name, help, "counter");
  sample(name, "", labels, {}, {}, std::to_string(value));
}

void PrometheusWriter::gauge(std::string_view name, std::string_view help, double value,
                             const Labels& labels) {
  family(name, help, "gauge");
  sample(name, "", labels, {}, {}, format_double(value));
}

void PrometheusWriter::histogram_seconds(std::string_view name, std::string_view help,
                                         const LatencyHistogram& histogram,
                                         const Labels& labels) {
  family(name, help, "histogram");
  const auto counts = histogram.cumulative();
  for (std::size_t i = 0; i < LatencyHistogram::kBoundsMs.size(); ++i) {
    sample(name, "_bucket", labels, "le", format_double(LatencyHistogram::kBoundsMs[i] / 1000.0),
           std::to_string(counts[i]));
  }
  sample(name, "_bucket", labels, "le", "+Inf", std::to_string(counts.back()));
  sample(name, "_sum", labels, {}, {}, format_double(histogram.sum_ms() / 1000.0));
  sample(name, "_count", labels, {}, {}, std::to_string(counts.back()));
}

void PrometheusWriter::consumer(const kafka::ConsumerProbe& probe) {
  probe.for_each([&](const kafka::Counter& c) { counter(c); });
  probe.for_each_gauge([&](const kafka::Gauge& g) { gauge(g); });
  const auto lags = probe.progress.snapshot(core::now_millis().value);
  std::vector<std::string> partitions;
  partitions.reserve(lags.size());
  for (const auto& lag : lags) partitions.push_back(std::to_string(lag.partition));
  for (std::size_t i = 0; i < lags.size(); ++i) {
    gauge("tokenflow_consumer_lag_messages",
          "messages in the partition after this consumer's read position (log end minus "
          "next offset)",
          static_cast<double>(lags[i].messages), {{"topic", lags[i].topic}, {"partition", partitions[i]}});
  }
  for (std::size_t i = 0; i < lags.size(); ++i) {
    if (!lags[i].seconds) continue;
    gauge("tokenflow_consumer_lag_seconds",
          "age of the last message read while the partition has unread messages; 0 when caught up",
          *lags[i].seconds, {{"topic", lags[i].topic}, {"partition", partitions[i]}});
  }
}

void PrometheusWriter::dead_letters(
    std::initializer_list<const kafka::DeadLetterPublisher*> publishers) {
  std::uint64_t published = 0;
  std::uint64_t failed = 0;
  bool any = false;
  for (const auto* publisher : publishers) {
    if (publisher == nullptr) continue;
    any = true;
    published += publisher->probe().published.get();
    failed += publisher->probe().failed.get();
  }
  if (!any) return;
  const kafka::DeadLetterProbe names;
  counter(names.published.name, names.published.help, published);
  counter(names.failed.name, names.failed.help, failed);
  for (const auto* publisher : publishers) {
    if (publisher == nullptr) continue;
    for (const auto& [kind, count] : publisher->probe().by_kind.snapshot()) {
      counter("tokenflow_dead_letters_total",
              "messages sent to a dead-letter topic, by topic and reason kind", count,
              {{"topic", publisher->topic()}, {"reason", kind}});
    }
  }
}

}  // namespace tokenflow::http
