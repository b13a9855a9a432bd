#include "stream/dedup_filter.hpp"

#include <algorithm>

namespace tokenflow::stream {
namespace {

constexpr std::size_t kMinCapacity = 64;

std::size_t slot_of(std::uint64_t entry, std::size_t mask) {
  // The fingerprint bits are uniformly distributed already; the tag bits are not.
  return static_cast<std::size_t>(entry >> 8) & mask;
}

}  // namespace

DedupFilter::DedupFilter(std::chrono::milliseconds ttl)
    : slice_ms_(std::max<std::int64_t>(1, ttl.count() / kSlices)), table_(kMinCapacity, 0) {}

std::int64_t DedupFilter::slice_of(core::UnixMillis t) const {
  return t.value >= 0 ? t.value / slice_ms_ : -((-t.value + slice_ms_ - 1) / slice_ms_);
}

bool DedupFilter::alive(std::uint64_t entry, std::int64_t oldest_live_slice,
                        std::int64_t newest) const {
  // Tags are slices mod 256; at most kSlices + 1 slices are live at once, so the distance
  // back from the newest live slice identifies the tag's slice.
  const std::int64_t tag = static_cast<std::int64_t>(entry & 0xff);
  const std::int64_t back = ((newest & 0xff) - tag + 256) % 256;
  return newest - back >= oldest_live_slice;
}

std::uint64_t DedupFilter::key_of(std::uint64_t id_fingerprint) {
  const std::uint64_t fp = id_fingerprint >> 8;
  return fp == 0 ? 1 : fp;  // 0 marks empty slots
}

std::int64_t DedupFilter::advance(core::UnixMillis clock) {
  // The ttl is kSlices slices; the slice holding clock - ttl is still live (so an id is kept
  // at least ttl, at most ttl + one slice).
  // The clock changes slice once per ttl/8: within the slice of the last call, reuse its
  // answer instead of dividing again.
  if (clock.value >= slice_lo_ms_ && clock.value < slice_lo_ms_ + slice_ms_) {
    return slice_oldest_live_;
  }
  const std::int64_t slice = slice_of(clock);
  const std::int64_t oldest_live = slice - kSlices;
  slice_lo_ms_ = slice * slice_ms_;
  slice_oldest_live_ = oldest_live;
  if (oldest_live > oldest_live_ + 1) {
    // Slices died since the last rebuild: drop their ids (amortised: once per slice of
    // time). Before any lookup, so a tag (the slice mod 256) never aliases a dead slice.
    rebuild(table_.size(), oldest_live);
  }
  return oldest_live;
}

bool DedupFilter::find(std::uint64_t key, std::int64_t oldest_live_slice) const {
  const std::int64_t newest = oldest_live_slice + kSlices;
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = slot_of(key << 8, mask);; i = (i + 1) & mask) {
    const std::uint64_t entry = table_[i];
    if (entry == 0) return false;
    if ((entry >> 8) == key && alive(entry, oldest_live_slice, newest)) return true;
  }
}

bool DedupFilter::contains(std::uint64_t id_fingerprint, core::UnixMillis clock) {
  return find(key_of(id_fingerprint), advance(clock));
}

bool DedupFilter::check_and_remember(std::uint64_t id_fingerprint, core::UnixMillis event_time,
                                     core::UnixMillis clock) {
  const std::int64_t oldest_live = advance(clock);
  const std::uint64_t key = key_of(id_fingerprint);
  if (find(key, oldest_live)) return true;
  const std::int64_t slice = slice_of(event_time);
  if (slice < oldest_live || slice > oldest_live + kSlices) return false;  // older than the ttl
  if ((size_ + 1) * 5 > table_.size() * 4) rebuild(table_.size() * 2, oldest_live);
  insert((key << 8) | static_cast<std::uint64_t>(slice & 0xff));
  return false;
}

void DedupFilter::insert(std::uint64_t entry) {
  const std::size_t mask = table_.size() - 1;
  std::size_t i = slot_of(entry, mask);
  while (table_[i] != 0) i = (i + 1) & mask;
  table_[i] = entry;
  ++size_;
}

void DedupFilter::rebuild(std::size_t capacity, std::int64_t oldest_live_slice) {
  // The newest slice is at most kSlices after the oldest live one.
  const std::int64_t newest = oldest_live_slice + kSlices;
  std::size_t live = 0;
  for (std::uint64_t entry : table_) {
    if (entry != 0 && alive(entry, oldest_live_slice, newest)) ++live;
  }
  // Shrink when mostly dead, so a burst does not hold memory for ever.
  capacity = std::max(capacity, kMinCapacity);
  while (capacity > kMinCapacity && live * 8 < capacity) capacity /= 2;
  std::vector<std::uint64_t> old(capacity, 0);
  old.swap(table_);
  size_ = 0;
  for (std::uint64_t entry : old) {
    if (entry != 0 && alive(entry, oldest_live_slice, newest)) insert(entry);
  }
  oldest_live_ = oldest_live_slice;
}

void DedupFilter::save(StateWriter& out) const {
  out.put(slice_ms_);
  out.put(oldest_live_);
  out.put(static_cast<std::uint64_t>(table_.size()));
  out.put_bytes(table_.data(), table_.size() * sizeof(std::uint64_t));
}

bool DedupFilter::load(StateReader& in) {
  std::int64_t slice_ms = 0;
  std::uint64_t capacity = 0;
  if (!in.get(slice_ms) || !in.get(oldest_live_) ||
      !in.get_count(capacity, sizeof(std::uint64_t))) {
    return false;
  }
  // A checkpoint written with another --dedup-ttl is read as it was; its slices apply.
  if (slice_ms <= 0 || capacity < kMinCapacity || (capacity & (capacity - 1)) != 0) return false;
  slice_ms_ = slice_ms;
  table_.assign(capacity, 0);
  if (!in.get_bytes(table_.data(), capacity * sizeof(std::uint64_t))) return false;
  size_ = static_cast<std::size_t>(
      std::count_if(table_.begin(), table_.end(), [](std::uint64_t e) { return e != 0; }));
  return size_ < capacity;
}

}  // namespace tokenflow::stream

