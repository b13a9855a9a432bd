#include "processors/dashboard/dashboard.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "codec/json_writer.hpp"
#include "core/timestamp.hpp"

namespace tokenflow::processors {
namespace {

using codec::append_int;
using codec::append_json_string;
using codec::append_uint;

void append_number(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out.append("null");
    return;
  }
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.3f", value);
  out.append(buf, static_cast<std::size_t>(n));
}

void key(std::string& out, std::string_view name) {
  if (out.back() != '{') out.push_back(',');
  append_json_string(out, name);
  out.push_back(':');
}

}  // namespace

Dashboard::Dashboard(const kafka::ClientConfig& config, DashboardOptions options)
    : config_(config), options_(std::move(options)), stats_client_([] {
        http::HttpOptions o;
        o.connect_timeout = std::chrono::milliseconds(500);
        o.request_timeout = std::chrono::milliseconds(2000);
        o.max_response_bytes = 4 << 20;
        return o;
      }()) {
  overview_ = std::make_shared<const std::string>("{\"at\":null}");
  if (options_.registry != nullptr) {
    symbols_json_ = "{";
    for (const auto& token : options_.registry->tokens()) {
      key(symbols_json_, token.contract.to_string());
      append_json_string(symbols_json_, token.symbol);
    }
    symbols_json_.push_back('}');
  } else {
    symbols_json_ = "{}";
  }
  for (const auto& window : options_.windows) top_.push_back({window, "", "not fetched yet"});
}

core::Result<std::unique_ptr<Dashboard>> Dashboard::create(const kafka::ClientConfig& config,
                                                           DashboardOptions options) {
  std::unique_ptr<Dashboard> dashboard(new Dashboard(config, std::move(options)));
  auto sampler = ClusterSampler::create(config, dashboard->options_.cluster);
  if (!sampler.ok()) return std::move(sampler).error();
  dashboard->sampler_ = std::move(sampler).value();
  return dashboard;
}

Dashboard::~Dashboard() { stop(); }

void Dashboard::start() {
  thread_ = std::thread([this] { loop(); });
}

void Dashboard::stop() {
  stop_.request();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const std::string> Dashboard::overview() const {
  std::lock_guard lock(mutex_);
  return overview_;
}

void Dashboard::loop() {
  while (!stop_.requested()) {
    const auto started = std::chrono::steady_clock::now();
    round();
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    // What is left of the second goes to reading alerts and dead letters as they come; each
    // gets at least kFeedShare even when sampling took the whole second (a busy machine, a
    // slow cluster), or the page would never show an alert.
    constexpr std::chrono::milliseconds kFeedShare{100};
    auto left = options_.interval - spent;
    if (alerts_) alerts_->poll(std::max(kFeedShare, left / 2));
    if (dead_letters_) {
      left = options_.interval - std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - started);
      dead_letters_->poll(std::max(kFeedShare, left / 2));
    }
    if (prices_) {
      left = options_.interval - std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - started);
      prices_->poll(std::max(kFeedShare, left));
    }
    left = options_.interval - std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now() - started);
    if (left.count() > 0) stop_.wait_for(left);
  }
}

void Dashboard::open_feeds() {
  feeds_error_.clear();
  if (!alerts_) {
    auto created = RecentAlerts::create(config_, options_.alerts_topic);
    if (created.ok()) {
      alerts_ = std::move(created).value();
    } else {
      feeds_error_ = created.error().message;
    }
  }
  if (!dead_letters_) {
    auto created = DeadLetterTally::create(config_, options_.dead_letter_topic);
    if (created.ok()) {
      dead_letters_ = std::move(created).value();
    } else {
      feeds_error_ += (feeds_error_.empty() ? "" : "; ") + created.error().message;
    }
  }
  if (!prices_ && !options_.prices_topic.empty()) {
    auto created = LatestPrices::create(config_, options_.prices_topic);
    if (created.ok()) {
      prices_ = std::move(created).value();
      prices_error_.clear();
    } else {
      prices_error_ = created.error().message;
    }
  }
}

void Dashboard::round() {
  // The topics may not exist yet (a fresh cluster): try again each round until they do.
  if (!alerts_ || !dead_letters_ || (!prices_ && !options_.prices_topic.empty())) open_feeds();
  sampler_->sample();
  if (options_.on_sample) options_.on_sample(*sampler_);
  if (std::chrono::steady_clock::now() >= next_top_fetch_) {
    fetch_top_tokens();
    next_top_fetch_ = std::chrono::steady_clock::now() + 2 * options_.interval;
  }
  auto document = std::make_shared<const std::string>(compose());
  {
    std::lock_guard lock(mutex_);
    overview_ = std::move(document);
  }
  rounds_.fetch_add(1, std::memory_order_relaxed);
}

void Dashboard::fetch_top_tokens() {
  static thread_local simdjson::dom::parser parser;
  for (auto& top : top_) {
    if (options_.stats_url.empty()) {
      top.body.clear();
      top.error = options_.stats_missing_reason;
      continue;
    }
    const std::string url = options_.stats_url + "/v1/tokens?window=" + top.window +
                            "&sort=volume&limit=" + std::to_string(options_.top_limit);
    auto answer = stats_client_.get(url);
    if (!answer.ok()) {
      top.body.clear();
      top.error = answer.error().message;
      continue;
    }
    simdjson::dom::element element;
    if (answer->status != 200) {
      top.body.clear();
      top.error = "GET " + url + " answered " + std::to_string(answer->status);
      std::string_view sentence;
      if (parser.parse(answer->body).get(element) == simdjson::SUCCESS &&
          element["error"].get(sentence) == simdjson::SUCCESS) {
        top.error += ": " + std::string(sentence);
      }
      continue;
    }
    if (parser.parse(answer->body).get(element) != simdjson::SUCCESS || !element.is_object()) {
      top.body.clear();
      top.error = "GET " + url + " did not answer a JSON object";
      continue;
    }
    top.body = simdjson::minify(element);
    top.error.clear();
  }
}

std::string Dashboard::compose() const {
  std::string out = "{";
  key(out, "at");
  append_int(out, core::now_millis().value);
  key(out, "interval_ms");
  append_int(out, options_.interval.count());
  key(out, "cluster_error");
  append_json_string(out, sampler_->error());

  key(out, "topics");
  out.push_back('[');
  for (const auto& topic : sampler_->topics()) {
    if (out.back() != '[') out.push_back(',');
    out.append("{\"name\":");
    append_json_string(out, topic.name);
    key(out, "partitions");
    append_int(out, topic.partitions);
    key(out, "messages");
    append_int(out, topic.written);
    key(out, "retained");
    append_int(out, topic.retained);
    key(out, "messages_per_second");
    append_number(out, topic.rate);
    key(out, "history");
    out.push_back('[');
    for (double rate : topic.history) {
      if (out.back() != '[') out.push_back(',');
      append_number(out, rate);
    }
    out.append("]}");
  }
  out.push_back(']');

  key(out, "groups");
  out.push_back('[');
  for (const auto& group : sampler_->groups()) {
    if (out.back() != '[') out.push_back(',');
    out.append("{\"name\":");
    append_json_string(out, group.name);
    key(out, "topics");
    out.push_back('[');
    for (const auto& topic : group.topics) {
      if (out.back() != '[') out.push_back(',');
      append_json_string(out, topic);
    }
    out.push_back(']');
    key(out, "status");
    append_json_string(out, group_status_name(group.status));
    key(out, "state");
    if (group.state.empty()) {
      out.append("null");
    } else {
      append_json_string(out, group.state);
    }
    key(out, "members");
    if (group.members < 0) {
      out.append("null");
    } else {
      append_int(out, group.members);
    }
    key(out, "lag");
    append_int(out, group.lag);
    key(out, "lag_seconds");
    if (group.lag_seconds) {
      append_number(out, *group.lag_seconds);
    } else {
      out.append(group.lag == 0 ? "0" : "null");
    }
    key(out, "error");
    append_json_string(out, group.error);
    key(out, "partitions");
    out.push_back('[');
    for (const auto& p : group.partitions) {
      if (out.back() != '[') out.push_back(',');
      out.append("{\"topic\":");
      append_json_string(out, p.topic);
      key(out, "partition");
      append_int(out, p.partition);
      key(out, "committed");
      if (p.committed < 0) {
        out.append("null");
      } else {
        append_int(out, p.committed);
      }
      key(out, "log_start");
      append_int(out, p.log_start);
      key(out, "log_end");
      append_int(out, p.log_end);
      key(out, "lag");
      append_int(out, p.lag);
      key(out, "lag_seconds");
      if (p.lag_seconds) {
        append_number(out, *p.lag_seconds);
      } else {
        out.append(p.lag == 0 ? "0" : "null");
      }
      key(out, "lost");
      append_int(out, p.lost);
      out.push_back('}');
    }
    out.append("]}");
  }
  out.push_back(']');

  key(out, "alerts");
  out.append("{\"topic\":");
  append_json_string(out, options_.alerts_topic);
  key(out, "total");
  append_uint(out, alerts_ ? alerts_->total() : 0);
  key(out, "unreadable");
  append_uint(out, alerts_ ? alerts_->unreadable() : 0);
  key(out, "thresholds");
  append_json_string(out, options_.alert_thresholds);
  key(out, "error");
  append_json_string(out, alerts_ ? "" : feeds_error_);
  key(out, "newest");
  out.push_back('[');
  if (alerts_) {
    for (const auto& alert : alerts_->newest_first()) {
      if (out.back() != '[') out.push_back(',');
      out.append(alert);
    }
  }
  out.append("]}");

  key(out, "dead_letters");
  out.append("{\"topic\":");
  append_json_string(out, options_.dead_letter_topic);
  key(out, "total");
  append_uint(out, dead_letters_ ? dead_letters_->total() : 0);
  key(out, "error");
  append_json_string(out, dead_letters_ ? "" : feeds_error_);
  key(out, "by_source_topic");
  out.push_back('{');
  if (dead_letters_) {
    for (const auto& [topic, count] : dead_letters_->by_source_topic()) {
      key(out, topic);
      append_uint(out, count);
    }
  }
  out.push_back('}');
  key(out, "newest");
  out.push_back('[');
  if (dead_letters_) {
    for (const auto& note : dead_letters_->newest_first()) {
      if (out.back() != '[') out.push_back(',');
      out.append("{\"source\":");
      append_json_string(out, note.source);
      key(out, "reason");
      append_json_string(out, note.reason);
      key(out, "timestamp_ms");
      append_int(out, note.timestamp_ms);
      out.push_back('}');
    }
  }
  out.append("]}");

  key(out, "prices");
  out.append("{\"topic\":");
  append_json_string(out, options_.prices_topic);
  key(out, "total");
  append_uint(out, prices_ ? prices_->total() : 0);
  key(out, "unreadable");
  append_uint(out, prices_ ? prices_->unreadable() : 0);
  key(out, "hint");
  append_json_string(out, options_.prices_hint);
  key(out, "error");
  append_json_string(out, prices_ ? "" : prices_error_);
  key(out, "latest");
  out.push_back('[');
  if (prices_) {
    char text[core::Decimal::kMaxTextSize];
    for (const auto& [asset_source, tick] : prices_->latest()) {
      if (out.back() != '[') out.push_back(',');
      out.append("{\"asset\":");
      append_json_string(out, tick.asset);
      key(out, "symbol");
      append_json_string(out, tick.symbol);
      key(out, "source");
      append_json_string(out, tick.source);
      key(out, "price_usd");
      out.push_back('"');
      out.append(text, tick.price_usd.write(text));
      out.push_back('"');
      key(out, "change_24h_pct");
      if (tick.change_24h_pct) {
        append_json_string(out, tick.change_24h_pct->to_string());
      } else {
        out.append("null");
      }
      key(out, "timestamp_ms");
      append_int(out, tick.timestamp.value);
      out.push_back('}');
    }
  }
  out.append("]}");

  key(out, "top_tokens");
  out.push_back('{');
  for (const auto& top : top_) {
    key(out, top.window);
    out.append("{\"answer\":");
    out.append(top.body.empty() ? "null" : top.body);
    key(out, "error");
    append_json_string(out, top.error);
    out.push_back('}');
  }
  out.push_back('}');
  key(out, "symbols");
  out.append(symbols_json_);
  key(out, "roles");
  out.append(options_.roles_json ? options_.roles_json() : "null");
  out.append("}\n");
  return out;
}

}  // namespace tokenflow::processors
