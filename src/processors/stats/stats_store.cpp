#include "processors/stats/stats_store.hpp"

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

template <typename Windows>
std::int64_t newest_bucket(const Windows& windows) {
  std::int64_t newest = INT64_MIN;
  for (const stream::TokenWindow* w : windows) newest = std::max(newest, w->newest_bucket());
  return newest;
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

stream::PartitionState* StatsStore::partition(StateKey key) {
  auto it = partitions_.find(key);
  return it == partitions_.end() ? nullptr : it->second.get();
}

const stream::PartitionState* StatsStore::find(StateKey key) const {
  auto it = partitions_.find(key);
  return it == partitions_.end() ? nullptr : it->second.get();
}

void StatsStore::install(StateKey key, std::unique_ptr<stream::PartitionState> state) {
  (void)remove(key);  // a re-assignment replaces the state wholesale
  if (tracking_) {
    std::lock_guard lock(journal_mutex_);
    journal_.installed.push_back(key);
  }
  state->for_each_token([&](const core::Address& token, const stream::TokenWindow&) {
    holders_[token].push_back(key);
    journal(key, token, true);
  });
  partitions_[key] = std::move(state);
}

std::unique_ptr<stream::PartitionState> StatsStore::remove(StateKey key) {
  auto it = partitions_.find(key);
  if (it == partitions_.end()) return nullptr;
  auto state = std::move(it->second);
  partitions_.erase(it);
  // The tokens stay in the partition (its next owner holds them): nothing is journaled.
  state->for_each_token([&](const core::Address& token, const stream::TokenWindow&) {
    auto holder = holders_.find(token);
    if (holder == holders_.end()) return;
    auto& keys = holder->second;
    keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
    if (keys.empty()) holders_.erase(holder);
  });
  return state;
}

void StatsStore::note_token(StateKey key, const core::Address& token) {
  holders_[token].push_back(key);
  journal(key, token, true);
}

void StatsStore::forget_token(StateKey key, const core::Address& token) {
  auto holder = holders_.find(token);
  if (holder != holders_.end()) {
    auto& keys = holder->second;
    keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
    if (keys.empty()) holders_.erase(holder);
  }
  journal(key, token, false);
}

void StatsStore::journal(StateKey key, const core::Address& token, bool held) {
  if (!tracking_) return;
  std::lock_guard lock(journal_mutex_);
  journal_.changes.push_back({key, token, held});
}

HolderJournal StatsStore::take_changes() {
  std::lock_guard lock(journal_mutex_);
  return std::exchange(journal_, HolderJournal{});
}

const StateKeys* StatsStore::holders_of(const core::Address& token) const {
  auto it = holders_.find(token);
  return it == holders_.end() ? nullptr : &it->second;
}

StatsStore::Windows StatsStore::windows_of(const StateKeys& keys,
                                           const core::Address& token) const {
  Windows out;
  for (const StateKey key : keys) {
    if (const auto* state = find(key)) {
      if (const auto* window = state->find(token)) out.push_back(window);
    }
  }
  return out;
}

bool StatsStore::owns(StateKey key) const {
  std::shared_lock lock(mutex_);
  return find(key) != nullptr;
}

std::vector<StateKey> StatsStore::owned() const {
  std::vector<StateKey> out;
  for (const auto& [key, state] : partitions_) out.push_back(key);
  return out;
}

std::vector<StateKey> StatsStore::owned_snapshot() const {
  std::shared_lock lock(mutex_);
  return owned();
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
                                    StateKeys& held) const {
  const auto& config = settings_.windows;
  const std::size_t n = config.windows().size();
  stream::WindowFigures figures[stream::WindowConfig::kMaxWindows];
  core::UnixMillis now;
  held.clear();
  {
    // Only the figures are taken under the lock; the JSON is written after, so the
    // aggregator never waits for an answer's text.
    std::shared_lock lock(mutex_);
    const StateKeys* holders = holders_of(token);
    if (holders == nullptr) return TokenAnswer::not_held;
    held = *holders;
    const Windows windows = windows_of(held, token);
    const auto clock = now_locked();
    if (windows.empty() || !clock) return TokenAnswer::no_events;
    now = *clock;
    const std::int64_t to = config.bucket_of(now);
    std::int64_t froms[stream::WindowConfig::kMaxWindows];
    for (std::size_t i = 0; i < n; ++i) {
      froms[i] = stream::WindowConfig::first_bucket(to, config.windows()[i]);
    }
    // Windows are in ascending order: the largest is the last.
    if (newest_bucket(windows) < froms[n - 1]) return TokenAnswer::no_events;
    stream::TokenWindow::merged(std::span(windows.data(), windows.size()), to, froms, n, config.step_ms(), figures);
  }
  std::sort(held.begin(), held.end());
  out.clear();
  out.reserve(kAnswerBytesPerWindow * n + 256);
  out.append("{\"token\":");
  append_address(out, token);
  out.append(",\"as_of\":");
  append_time(out, now);
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
    stream::WindowFigures figures;
  };
  std::vector<Row> rows;
  std::shared_lock lock(mutex_);
  const auto now = now_locked();
  const auto& config = settings_.windows;
  if (now) {
    const std::int64_t to = config.bucket_of(*now);
    const std::int64_t from = stream::WindowConfig::first_bucket(to, window);
    rows.reserve(holders_.size());
    for (const auto& [token, keys] : holders_) {
      const Windows windows = windows_of(keys, token);
      if (windows.empty() || newest_bucket(windows) < from) continue;
      stream::WindowFigures f;
      stream::TokenWindow::merged(std::span(windows.data(), windows.size()), to, &from, 1, config.step_ms(), &f);
      if (f.count() > 0) rows.push_back({token, std::move(f)});
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
    out.append(",\"stats\":");
    append_window_json(out, rows[i].figures);
    out.push_back('}');
  }
  out.append("]}");
}

std::vector<core::Address> StatsStore::tokens() const {
  std::vector<core::Address> out;
  std::shared_lock lock(mutex_);
  out.reserve(holders_.size());
  for (const auto& [token, keys] : holders_) out.push_back(token);
  return out;
}

std::size_t StatsStore::token_count() const {
  std::shared_lock lock(mutex_);
  return holders_.size();
}

std::size_t StatsStore::state_bytes() const {
  std::shared_lock lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, state] : partitions_) n += state->bytes();
  // The index of holders: a node (next pointer, cached hash, key, value) and a bucket slot
  // per token, plus the rare list that outgrew its inline room.
  constexpr std::size_t kNode = 2 * sizeof(void*) + sizeof(core::Address) + sizeof(StateKeys);
  n += holders_.bucket_count() * sizeof(void*) + holders_.size() * kNode;
  for (const auto& [token, keys] : holders_) {
    if (keys.capacity() > keys.static_capacity) n += keys.capacity() * sizeof(StateKey);
  }
  return n;
}

}  // namespace tokenflow::processors
