// DedupFilter: remembers the event ids of one partition for at least `ttl` of event time, in
// about 8 bytes per id over the table's load (14 bytes on average, 16 at most before growing):
// each id is a 56-bit fingerprint plus an 8-bit tag naming the 1/8-of-ttl slice of event
// time it belongs to. A slice whose every instant is older than clock - ttl is dead: its ids
// no longer match, and the table drops them when it rebuilds.
//
// Error: two different ids with the same 56-bit fingerprint make the second a "duplicate";
// with n ids remembered that happens with probability about n / 2^56 per event (under 1 in
// 7 million million for 10 million remembered ids).
//
// Deterministic: whether an id matches depends only on the ids and times seen before in the
// partition and the partition's clock, never on when the table happens to rebuild.
// Single-threaded: the owner of the partition state calls it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/timestamp.hpp"
#include "stream/state_codec.hpp"

namespace tokenflow::stream {

class DedupFilter {
 public:
  static constexpr int kSlices = 8;

  explicit DedupFilter(std::chrono::milliseconds ttl);

  // True if `id_fingerprint` was remembered and is still alive as of `clock` (a duplicate).
  // Otherwise remembers it with `event_time` (unless that is already older than the ttl)
  // and returns false.
  bool check_and_remember(std::uint64_t id_fingerprint, core::UnixMillis event_time,
                          core::UnixMillis clock);

  // True if `id_fingerprint` is remembered and alive as of `clock`; remembers nothing.
  bool contains(std::uint64_t id_fingerprint, core::UnixMillis clock);

  std::size_t size() const { return size_; }
  std::size_t bytes() const { return table_.capacity() * sizeof(std::uint64_t); }

  void save(StateWriter& out) const;
  [[nodiscard]] bool load(StateReader& in);

 private:
  std::int64_t slice_of(core::UnixMillis t) const;
  // Rebuilds first if slices died since the last rebuild; returns the oldest live slice.
  std::int64_t advance(core::UnixMillis clock);
  static std::uint64_t key_of(std::uint64_t id_fingerprint);
  bool find(std::uint64_t key, std::int64_t oldest_live_slice) const;
  bool alive(std::uint64_t entry, std::int64_t oldest_live_slice, std::int64_t newest) const;
  void rebuild(std::size_t capacity, std::int64_t oldest_live_slice);
  void insert(std::uint64_t entry);

  std::int64_t slice_ms_;
  std::vector<std::uint64_t> table_;  // 0 = empty; else (fingerprint << 8) | (slice & 0xff)
  std::size_t size_ = 0;
  std::int64_t oldest_live_ = INT64_MIN;  // the oldest live slice at the last rebuild
  std::int64_t slice_lo_ms_ = INT64_MAX;  // advance()'s cache: the clock's slice start
  std::int64_t slice_oldest_live_ = INT64_MIN;
};

}  // namespace tokenflow::stream
