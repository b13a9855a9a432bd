#include "stream/token_window.hpp"

#include <algorithm>
#include <unordered_map>

namespace tokenflow::stream {
namespace {

constexpr std::size_t kMinTraderSlots = 4;

}  // namespace

void WindowFigures::add(const WindowFigures& other) {
  if (other.count() == 0) return;
  if (count() == 0) {
    *this = other;
    return;
  }
  buy_micros.add(other.buy_micros);
  sell_micros.add(other.sell_micros);
  transfer_micros.add(other.transfer_micros);
  buys += other.buys;
  sells += other.sells;
  transfers += other.transfers;
  traders += other.traders;
  first_event = std::min(first_event, other.first_event);
  last_event = std::max(last_event, other.last_event);
}

bool TokenWindow::add(std::int64_t bucket, std::int64_t step_ms, core::UnixMillis t, Flow flow,
                      core::UsdMicros usd, std::span<const std::uint64_t> traders) {
  // Events mostly arrive in order: the newest bucket is the usual target.
  auto it = buckets_.end();
  if (buckets_.empty() || buckets_.back().index < bucket) {
    it = buckets_.insert(buckets_.end(), Bucket{});
    it->index = bucket;
    it->first_ms = UINT32_MAX;
  } else if (buckets_.back().index == bucket) {
    it = buckets_.end() - 1;
  } else {
    it = std::lower_bound(buckets_.begin(), buckets_.end(), bucket,
                          [](const Bucket& b, std::int64_t i) { return b.index < i; });
    if (it == buckets_.end() || it->index != bucket) {
      it = buckets_.insert(it, Bucket{});
      it->index = bucket;
      it->first_ms = UINT32_MAX;
    }
  }
  Bucket& b = *it;
  std::uint64_t& sum = flow == Flow::buy    ? b.buy_micros
                       : flow == Flow::sell ? b.sell_micros
                                            : b.transfer_micros;
  std::uint32_t& count = flow == Flow::buy ? b.buys : flow == Flow::sell ? b.sells : b.transfers;
  if (sum + usd.value < sum || count == UINT32_MAX) {
    if (b.buys == 0 && b.sells == 0 && b.transfers == 0) buckets_.erase(it);
    return false;
  }
  sum += usd.value;
  ++count;
  const auto offset = static_cast<std::uint32_t>(t.value - bucket * step_ms);
  b.first_ms = std::min(b.first_ms, offset);
  b.last_ms = std::max(b.last_ms, offset);
  for (const std::uint64_t trader : traders) note_trader(trader == 0 ? 1 : trader, it);
  return true;
}

std::int64_t TokenWindow::upsert_trader(std::uint64_t fingerprint, std::int64_t bucket) {
  if ((traders_size_ + 1) * 4 > traders_.size() * 3) {
    rebuild_traders(std::max(kMinTraderSlots, traders_.size() * 2), INT64_MIN);
  }
  const std::size_t mask = traders_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(fingerprint) & mask;; i = (i + 1) & mask) {
    TraderSlot& slot = traders_[i];
    if (slot.fingerprint == fingerprint) {
      const std::int64_t previous = slot.last_bucket;
      slot.last_bucket = std::max(slot.last_bucket, bucket);
      return previous;
    }
    if (slot.fingerprint == 0) {
      slot = {fingerprint, bucket};
      ++traders_size_;
      return INT64_MIN;
    }
  }
}

void TokenWindow::note_trader(std::uint64_t fingerprint, std::vector<Bucket>::iterator at) {
  const std::int64_t previous = upsert_trader(fingerprint, at->index);
  if (previous >= at->index) return;  // its latest swap is already at or after this one
  ++at->last_traders;
  if (previous == INT64_MIN) return;
  auto old = at->index > previous && at != buckets_.begin() && (at - 1)->index == previous
                 ? at - 1
                 : std::lower_bound(buckets_.begin(), at, previous,
                                    [](const Bucket& b, std::int64_t i) { return b.index < i; });
  --old->last_traders;
}

std::int64_t TokenWindow::last_bucket_of(std::uint64_t fingerprint) const {
  if (traders_.empty()) return INT64_MIN;
  const std::size_t mask = traders_.size() - 1;
  for (std::size_t i = static_cast<std::size_t>(fingerprint) & mask;; i = (i + 1) & mask) {
    if (traders_[i].fingerprint == fingerprint) return traders_[i].last_bucket;
    if (traders_[i].fingerprint == 0) return INT64_MIN;
  }
}

void TokenWindow::rebuild_traders(std::size_t capacity, std::int64_t oldest_bucket) {
  std::vector<TraderSlot> old(capacity);
  old.swap(traders_);
  traders_size_ = 0;
  const std::size_t mask = traders_.size() - 1;
  for (const TraderSlot& t : old) {
    if (t.fingerprint == 0 || t.last_bucket < oldest_bucket) continue;
    std::size_t i = static_cast<std::size_t>(t.fingerprint) & mask;
    while (traders_[i].fingerprint != 0) i = (i + 1) & mask;
    traders_[i] = t;
    ++traders_size_;
  }
}

bool TokenWindow::evict_before(std::int64_t oldest_bucket) {
  if (buckets_.empty() || buckets_.front().index >= oldest_bucket) return buckets_.empty();
  auto keep = std::lower_bound(buckets_.begin(), buckets_.end(), oldest_bucket,
                               [](const Bucket& b, std::int64_t i) { return b.index < i; });
  buckets_.erase(buckets_.begin(), keep);
  if (buckets_.empty()) {
    std::vector<Bucket>().swap(buckets_);
    std::vector<TraderSlot>().swap(traders_);
    traders_size_ = 0;
    return true;
  }
  // Every trader's last bucket is one of the buckets; those before the oldest kept go.
  std::size_t capacity = traders_.size();
  while (capacity > kMinTraderSlots && traders_size_ * 4 < capacity) capacity /= 2;
  rebuild_traders(capacity, oldest_bucket);
  if (buckets_.capacity() > 2 * buckets_.size() + 4) buckets_.shrink_to_fit();
  return false;
}

WindowFigures TokenWindow::figures(std::int64_t from, std::int64_t to,
                                   std::int64_t step_ms) const {
  WindowFigures f;
  figures(to, &from, 1, step_ms, &f);
  return f;
}

void TokenWindow::figures(std::int64_t to, const std::int64_t* froms, std::size_t n,
                          std::int64_t step_ms, WindowFigures* out) const {
  // Every window ends at `to`, so one walk back from it serves them all: the running totals
  // when the walk passes a window's first bucket are that window's figures. Windows are taken
  // in the order the walk leaves them (latest first bucket first).
  constexpr std::size_t kMaxWindows = WindowConfig::kMaxWindows;
  n = std::min(n, kMaxWindows);
  std::size_t order[kMaxWindows];
  for (std::size_t w = 0; w < n; ++w) order[w] = w;
  std::sort(order, order + n, [&](std::size_t a, std::size_t b) { return froms[a] > froms[b]; });
  // Sums in 64 bits, carried into 256-bit totals only when they would overflow.
  struct Sum {
    std::uint64_t partial = 0;
    core::Uint256 carried;
    void add(std::uint64_t v) {
      if (partial + v < partial) {
        carried.add(core::Uint256(partial));
        partial = 0;
      }
      partial += v;
    }
    core::Uint256 total() const {
      core::Uint256 t = carried;
      t.add(core::Uint256(partial));
      return t;
    }
  };
  Sum buy, sell, transfer;
  WindowFigures running;  // counts, traders and times; the volumes are in the sums
  const auto take = [&](std::size_t w) {
    out[w] = running;
    out[w].buy_micros = buy.total();
    out[w].sell_micros = sell.total();
    out[w].transfer_micros = transfer.total();
  };
  std::size_t next = 0;
  auto end = std::upper_bound(buckets_.begin(), buckets_.end(), to,
                              [](std::int64_t i, const Bucket& b) { return i < b.index; });
  for (auto it = end; it != buckets_.begin() && next < n;) {
    --it;
    while (next < n && it->index < froms[order[next]]) take(order[next++]);
    if (next == n) break;
    buy.add(it->buy_micros);
    sell.add(it->sell_micros);
    transfer.add(it->transfer_micros);
    if (running.count() == 0) running.last_event = core::UnixMillis{it->index * step_ms + it->last_ms};
    running.buys += it->buys;
    running.sells += it->sells;
    running.transfers += it->transfers;
    running.traders += it->last_traders;
    running.first_event = core::UnixMillis{it->index * step_ms + it->first_ms};
  }
  while (next < n) take(order[next++]);
}

void TokenWindow::merged(std::span<const TokenWindow* const> windows, std::int64_t to,
                         const std::int64_t* froms, std::size_t n, std::int64_t step_ms,
                         WindowFigures* out) {
  constexpr std::size_t kMaxWindows = WindowConfig::kMaxWindows;
  n = std::min(n, kMaxWindows);
  if (windows.empty()) {
    std::fill(out, out + n, WindowFigures{});
    return;
  }
  windows.front()->figures(to, froms, n, step_ms, out);
  WindowFigures other[kMaxWindows];
  for (const TokenWindow* w : windows.subspan(1)) {
    w->figures(to, froms, n, step_ms, other);
    for (std::size_t i = 0; i < n; ++i) out[i].add(other[i]);
  }
  if (windows.size() == 1) return;
  // A trader is in a window's count of one side when its last bucket there is in [from, to];
  // it was counted k times when that holds on k sides, k - 1 too many.
  if (windows.size() == 2) {
    const TokenWindow& a = *windows[0];
    const TokenWindow& b = *windows[1];
    const TokenWindow& small = a.traders_size_ <= b.traders_size_ ? a : b;
    const TokenWindow& large = &small == &a ? b : a;
    if (small.traders_size_ == 0 || large.traders_size_ == 0) return;
    for (const TraderSlot& t : small.traders_) {
      if (t.fingerprint == 0) continue;
      const std::int64_t there = large.last_bucket_of(t.fingerprint);
      if (there == INT64_MIN) continue;
      const std::int64_t earlier = std::min(t.last_bucket, there);
      if (std::max(t.last_bucket, there) > to) continue;
      for (std::size_t w = 0; w < n; ++w) {
        if (earlier >= froms[w]) --out[w].traders;
      }
    }
    return;
  }
  // Three or more sides (a token spread over partitions): every trader's last buckets.
  std::unordered_map<std::uint64_t, std::vector<std::int64_t>> lasts;
  for (const TokenWindow* side : windows) {
    for (const TraderSlot& t : side->traders_) {
      if (t.fingerprint != 0) lasts[t.fingerprint].push_back(t.last_bucket);
    }
  }
  for (const auto& [fingerprint, buckets] : lasts) {
    if (buckets.size() < 2) continue;
    for (std::size_t w = 0; w < n; ++w) {
      const auto k = static_cast<std::uint64_t>(std::count_if(
          buckets.begin(), buckets.end(), [&](std::int64_t b) { return b >= froms[w] && b <= to; }));
      if (k > 1) out[w].traders -= k - 1;
    }
  }
}

std::size_t TokenWindow::bytes() const {
  return sizeof(*this) + buckets_.capacity() * sizeof(Bucket) +
         traders_.capacity() * sizeof(TraderSlot);
}

void TokenWindow::save(StateWriter& out) const {
  out.put(static_cast<std::uint64_t>(buckets_.size()));
  out.put_bytes(buckets_.data(), buckets_.size() * sizeof(Bucket));
  out.put(static_cast<std::uint64_t>(traders_size_));
  for (const TraderSlot& t : traders_) {
    if (t.fingerprint != 0) out.put(t);
  }
}

bool TokenWindow::load_buckets(StateReader& in, std::uint32_t version) {
  std::uint64_t count = 0;
  if (version >= 2) {
    if (!in.get_count(count, sizeof(Bucket))) return false;
    buckets_.resize(count);
    return in.get_bytes(buckets_.data(), count * sizeof(Bucket));
  }
  // Format 1: buckets of swaps only, 48 bytes.
  struct BucketV1 {
    std::int64_t index;
    std::uint64_t buy_micros, sell_micros;
    std::uint32_t buys, sells, first_ms, last_ms, last_traders;
  };
  static_assert(sizeof(BucketV1) == 48);
  if (!in.get_count(count, sizeof(BucketV1))) return false;
  buckets_.resize(count);
  for (Bucket& b : buckets_) {
    BucketV1 old{};
    if (!in.get(old)) return false;
    b = Bucket{old.index, old.buy_micros, old.sell_micros, 0,           old.buys,
               old.sells, 0,              old.first_ms,    old.last_ms, old.last_traders};
  }
  return true;
}

bool TokenWindow::load(StateReader& in, std::uint32_t version) {
  if (!load_buckets(in, version)) return false;
  for (std::size_t i = 1; i < buckets_.size(); ++i) {
    if (buckets_[i - 1].index >= buckets_[i].index) return false;
  }
  std::uint64_t traders = 0;
  if (!in.get_count(traders, sizeof(TraderSlot))) return false;
  std::size_t capacity = kMinTraderSlots;
  while (capacity * 3 < traders * 4 + 4) capacity *= 2;
  traders_.assign(capacity, TraderSlot{});
  traders_size_ = 0;
  std::vector<std::uint32_t> saved_counts;
  for (auto& b : buckets_) {
    saved_counts.push_back(b.last_traders);
    b.last_traders = 0;
  }
  for (std::uint64_t n = 0; n < traders; ++n) {
    TraderSlot t;
    if (!in.get(t) || t.fingerprint == 0) return false;
    auto at = std::lower_bound(buckets_.begin(), buckets_.end(), t.last_bucket,
                               [](const Bucket& b, std::int64_t i) { return b.index < i; });
    if (at == buckets_.end() || at->index != t.last_bucket) return false;  // not a bucket of ours
    note_trader(t.fingerprint, at);
  }
  // The counts the file carried must agree with the traders it lists.
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i].last_traders != saved_counts[i]) return false;
  }
  return traders_size_ == traders;
}

}  // namespace tokenflow::stream
