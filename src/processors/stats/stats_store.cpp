#include "processors/stats/stats_store.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "codec/json_writer.hpp"
#include "core/usd.hpp"
#include "stream/stream_clock.hpp"

namespace tokenflow::processors {
namespace {

void append_time(std::string& out, core::UnixMillis t) {
  char buf[core::kIsoMaxSize];
  out.push_back('"');
  out.append(buf, core::write_iso8601(t, buf));
  out.push_back('"');
}

void append_address(std::string& out, const core::Address& a) {
  char buf[core::Address::kTextSize];
  a.write_hex(buf);
  out.push_back('"');
  out.append(buf, sizeof buf);
  out.push_back('"');
}

// Room for one window's JSON (three volumes, counts, two times): answers reserve it once.
constexpr std::size_t kAnswerBytesPerWindow = 320;

std::int64_t newest_bucket(const stream::TokenWindow* a, const stream::TokenWindow* b) {
  return std::max(a == nullptr ? INT64_MIN : a->newest_bucket(),
                  b == nullptr ? INT64_MIN : b->newest_bucket());
}

// Figures of `n` windows ending at bucket `to` from a token's windows (one may be null).
void figures_of(const stream::TokenWindow* a, const stream::TokenWindow* b, std::int64_t to,
                const std::int64_t* froms, std::size_t n, std::int64_t step_ms,
                stream::WindowFigures* out) {
  if (a != nullptr && b != nullptr) {
    stream::TokenWindow::merged(*a, *b, to, froms, n, step_ms, out);
  } else {
    (a != nullptr ? a : b)->figures(to, froms, n, step_ms, out);
  }
}

int murmur2_partition(const char (&key)[core::Address::kTextSize], int partitions) {
  // The Java client's partitioner, which every tokenflow producer uses (murmur2_random).
  return rd_kafka_msg_partitioner_murmur2(nullptr, key, sizeof key, std::max(partitions, 1),
                                          nullptr, nullptr);
}

}  // namespace

void append_window_json(std::string& out, const stream::WindowFigures& f) {
  out.append("{\"volume_usd\":\"");
  core::append_usd(out, f.volume_micros());
  out.append("\",\"buy_volume_usd\":\"");
  core::append_usd(out, f.buy_micros);
  out.append("\",\"sell_volume_usd\":\"");
  core::append_usd(out, f.sell_micros);
  out.append("\",\"count\":");
  codec::append_uint(out, f.count());
  out.append(",\"buys\":");
  codec::append_uint(out, f.buys);
  out.append(",\"sells\":");
  codec::append_uint(out, f.sells);
  out.append(",\"transfers\":");
  codec::append_uint(out, f.transfers);
  out.append(",\"traders\":");
  codec::append_uint(out, f.traders);
  out.append(",\"first_event\":");
  if (f.count() == 0) {
    out.append("null,\"last_event\":null}");
    return;
  }
  append_time(out, f.first_event);
  out.append(",\"last_event\":");
  append_time(out, f.last_event);
  out.push_back('}');
}

StatsStore::StatsStore(StatsSettings settings) : settings_(std::move(settings)) {}

TokenPartitions StatsStore::partitions_of(const core::Address& token) const {
  char key[core::Address::kTextSize];
  token.write_hex(key);
  TokenPartitions out;
  out.swaps = murmur2_partition(key, settings_.partition_count);
  if (reads_transfers()) out.transfers = murmur2_partition(key, settings_.transfer_partition_count);
  return out;
}

stream::PartitionState* StatsStore::partition(StateKey key) {
  auto it = partitions_.find(key);
  return it == partitions_.end() ? nullptr : it->second.get();
}

const stream::PartitionState* StatsStore::find(StateKey key) const {
  auto it = partitions_.find(key);
  return it == partitions_.end() ? nullptr : it->second.get();
}

void StatsStore::install(StateKey key, std::unique_ptr<stream::PartitionState> state) {
  partitions_[key] = std::move(state);
}

std::unique_ptr<stream::PartitionState> StatsStore::remove(StateKey key) {
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return nullptr;
  auto state = std::move(it->second);
  partitions_.erase(it);
  return state;
}

StatsStore::TokenWindows StatsStore::windows_of(const core::Address& token,
                                                const TokenPartitions& partitions) const {
  TokenWindows out;
  const stream::PartitionState* swaps = find({Input::swaps, partitions.swaps});
  const stream::PartitionState* transfers =
      reads_transfers() ? find({Input::transfers, partitions.transfers}) : nullptr;
  out.owned = swaps != nullptr && (transfers != nullptr || !reads_transfers());
  if (!out.owned) return out;
  out.swaps = swaps->find(token);
  if (transfers != nullptr) out.transfers = transfers->find(token);
  return out;
}

std::vector<StateKey> StatsStore::owned() const {
  std::vector<StateKey> out;
  for (const auto& [key, state] : partitions_) out.push_back(key);
  return out;
}

std::optional<core::UnixMillis> StatsStore::now_locked() const {
  std::int64_t highest = INT64_MIN;
  for (const auto& [key, state] : partitions_) highest = std::max(highest, state->clock().value);
  if (highest == INT64_MIN) return std::nullopt;
  return stream::stream_now(core::UnixMillis{highest}, core::now_millis(), settings_.max_skew);
}

std::optional<core::UnixMillis> StatsStore::now() const {
  std::shared_lock lock(mutex_);
  return now_locked();
}

TokenAnswer StatsStore::token_stats(const core::Address& token, std::string& out,
                                    TokenPartitions& partitions) const {
  partitions = partitions_of(token);
  const auto& config = settings_.windows;
  const std::size_t n = config.windows().size();
  stream::WindowFigures figures[stream::WindowConfig::kMaxWindows];
  core::UnixMillis now;
  {
    // Only the figures are taken under the lock; the JSON is written after, so the
    // aggregator never waits for an answer's text.
    std::shared_lock lock(mutex_);
    const TokenWindows windows = windows_of(token, partitions);
    if (!windows.owned) return TokenAnswer::not_owned;
    const auto clock = now_locked();
    if ((windows.swaps == nullptr && windows.transfers == nullptr) || !clock) {
      return TokenAnswer::no_events;
    }
    now = *clock;
    const std::int64_t to = config.bucket_of(now);
    std::int64_t froms[stream::WindowConfig::kMaxWindows];
    for (std::size_t i = 0; i < n; ++i) {
      froms[i] = stream::WindowConfig::first_bucket(to, config.windows()[i]);
    }
    // Windows are in ascending order: the largest is the last.
    if (newest_bucket(windows.swaps, windows.transfers) < froms[n - 1]) {
      return TokenAnswer::no_events;
    }
    figures_of(windows.swaps, windows.transfers, to, froms, n, config.step_ms(), figures);
  }
  out.clear();
  out.reserve(kAnswerBytesPerWindow * n + 256);
  out.append("{\"token\":");
  append_address(out, token);
  out.append(",\"as_of\":");
  append_time(out, now);
  out.append(",\"partition\":");
  codec::append_uint(out, static_cast<std::uint64_t>(partitions.swaps));
  if (reads_transfers()) {
    out.append(",\"transfers_partition\":");
    codec::append_uint(out, static_cast<std::uint64_t>(partitions.transfers));
  }
  out.append(",\"windows\":{");
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(',');
    codec::append_json_string(out, config.windows()[i].name);
    out.push_back(':');
    append_window_json(out, figures[i]);
  }
  out.append("}}");
  return TokenAnswer::found;
}

void StatsStore::top_tokens(const stream::Window& window, SortKey sort, std::size_t limit,
                            std::string& out) const {
  struct Row {
    core::Address token;
    int partition;
    stream::WindowFigures figures;
  };
  std::vector<Row> rows;
  std::shared_lock lock(mutex_);
  const auto now = now_locked();
  const auto& config = settings_.windows;
  if (now) {
    const std::int64_t to = config.bucket_of(*now);
    const std::int64_t from = stream::WindowConfig::first_bucket(to, window);
    for (const auto& [key, state] : partitions_) {
      state->for_each_token([&](const core::Address& token, const stream::TokenWindow& held) {
        TokenWindows windows{true, &held, nullptr};
        int partition = key.partition;
        if (reads_transfers()) {
          const TokenPartitions partitions = partitions_of(token);
          windows = windows_of(token, partitions);
          // A token with swaps is listed from its swaps state; one not wholly owned here (its
          // two partitions on two instances) is not listed, as it is not answered.
          if (!windows.owned || (key.input == Input::transfers && windows.swaps != nullptr)) return;
          partition = partitions.swaps;
        }
        if (newest_bucket(windows.swaps, windows.transfers) < from) return;
        stream::WindowFigures f;
        figures_of(windows.swaps, windows.transfers, to, &from, 1, config.step_ms(), &f);
        if (f.count() > 0) rows.push_back({token, partition, std::move(f)});
      });
    }
  }
  lock.unlock();
  auto key_greater = [sort](const Row& a, const Row& b) {
    switch (sort) {
      case SortKey::count:
        if (a.figures.count() != b.figures.count()) return a.figures.count() > b.figures.count();
        break;
      case SortKey::traders:
        if (a.figures.traders != b.figures.traders) return a.figures.traders > b.figures.traders;
        break;
      case SortKey::volume: {
        const auto va = a.figures.volume_micros();
        const auto vb = b.figures.volume_micros();
        if (va != vb) return va > vb;
        break;
      }
    }
    return a.token < b.token;
  };
  const std::size_t n = std::min(limit, rows.size());
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(n), rows.end(),
                    key_greater);
  out.clear();
  out.append("{\"as_of\":");
  if (now) {
    append_time(out, *now);
  } else {
    out.append("null");
  }
  out.append(",\"window\":");
  codec::append_json_string(out, window.name);
  out.append(",\"tokens\":[");
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out.push_back(',');
    out.append("{\"token\":");
    append_address(out, rows[i].token);
    out.append(",\"partition\":");
    codec::append_uint(out, static_cast<std::uint64_t>(rows[i].partition));
    out.append(",\"stats\":");
    append_window_json(out, rows[i].figures);
    out.push_back('}');
  }
  out.append("]}");
}

std::vector<core::Address> StatsStore::tokens() const {
  std::vector<core::Address> out;
  {
    std::shared_lock lock(mutex_);
    for (const auto& [key, state] : partitions_) {
      state->for_each_token([&](const core::Address& token, const stream::TokenWindow&) {
        out.push_back(token);
      });
    }
  }
  if (reads_transfers()) {  // a token with swaps and transfers is in two states
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

std::size_t StatsStore::token_count() const {
  if (reads_transfers()) return tokens().size();
  std::shared_lock lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, state] : partitions_) n += state->token_count();
  return n;
}

std::size_t StatsStore::state_bytes() const {
  std::shared_lock lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, state] : partitions_) n += state->bytes();
  return n;
}

}  // namespace tokenflow::processors
