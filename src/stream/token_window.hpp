// TokenWindow: one token's events as event-time buckets, only the buckets that hold events
// (so a quiet token costs a few buckets, not window/step of them), plus the distinct traders
// with the last bucket each traded in. Figures for any window as of any clock bucket are sums
// over the buckets in range; figures are exact (integers, fixed-point USD), and traders are
// exact up to 64-bit fingerprint collisions (probability about t^2 / 2^65 for t traders of
// one token: under 1e-9 for 100,000).
//
// An event is a swap (a buy or a sell by one trader) or a transfer (neither: its sender and
// receiver are its traders).
//
// Memory: 56 bytes per non-empty bucket, 16 bytes per trader slot (load at most 3/4), plus
// the two vectors' headers. Single-threaded: owned by the partition state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/timestamp.hpp"
#include "core/uint256.hpp"
#include "core/usd.hpp"
#include "stream/state_codec.hpp"
#include "stream/window_config.hpp"

namespace tokenflow::stream {

// What an event adds to its bucket.
enum class Flow : std::uint8_t { buy, sell, transfer };

struct Bucket {
  std::int64_t index = 0;  // event time / step
  std::uint64_t buy_micros = 0;
  std::uint64_t sell_micros = 0;
  std::uint64_t transfer_micros = 0;
  std::uint32_t buys = 0;
  std::uint32_t sells = 0;
  std::uint32_t transfers = 0;
  std::uint32_t first_ms = 0;  // earliest event's offset into the bucket
  std::uint32_t last_ms = 0;   // latest event's offset into the bucket
  // Traders whose latest event is in this bucket: distinct traders over [from, to] is the sum
  // over the buckets in range (every trader's latest bucket is at or before the clock's), so
  // an answer costs one pass over buckets, not over traders.
  std::uint32_t last_traders = 0;
};
static_assert(sizeof(Bucket) == 56);

// A window's figures as of some clock.
struct WindowFigures {
  core::Uint256 buy_micros;
  core::Uint256 sell_micros;
  core::Uint256 transfer_micros;
  std::uint64_t buys = 0;
  std::uint64_t sells = 0;
  std::uint64_t transfers = 0;
  std::uint64_t traders = 0;
  core::UnixMillis first_event{0};
  core::UnixMillis last_event{0};

  std::uint64_t count() const { return buys + sells + transfers; }
  core::Uint256 volume_micros() const {
    core::Uint256 v = buy_micros;
    v.add(sell_micros);
    v.add(transfer_micros);
    return v;
  }
  // Adds another window's figures of the same span: sums and counts add, first and last
  // widen. Traders add too: the caller removes those counted in both (TokenWindow::merged).
  void add(const WindowFigures& other);
  friend bool operator==(const WindowFigures&, const WindowFigures&) = default;
};

class TokenWindow {
 public:
  // Adds one event to bucket `bucket` (event time `t`, `step_ms` per bucket), by `traders`
  // (fingerprints of their addresses; a swap has one, a transfer up to two). False, and
  // nothing changed, when the bucket's volume would overflow 64 bits (hostile input).
  [[nodiscard]] bool add(std::int64_t bucket, std::int64_t step_ms, core::UnixMillis t, Flow flow,
                         core::UsdMicros usd, std::span<const std::uint64_t> traders);

  // Drops buckets and traders older than `oldest_bucket` (nothing as of a later clock can
  // see them). Returns true when nothing is left.
  bool evict_before(std::int64_t oldest_bucket);

  // Figures over buckets [from, to].
  WindowFigures figures(std::int64_t from, std::int64_t to, std::int64_t step_ms) const;
  // Figures of `n` windows ending at bucket `to`, window i starting at froms[i], in one pass
  // over the buckets (an HTTP answer reads every window).
  void figures(std::int64_t to, const std::int64_t* froms, std::size_t n, std::int64_t step_ms,
               WindowFigures* out) const;
  // The figures of one token whose events are split over several windows (its swaps and its
  // transfers live in different partitions' states, and a producer with another partitioner
  // may have spread it over more): as figures() of each, added, with each trader present in
  // several counted once per window. One window costs figures(); two cost the two bucket
  // passes plus one pass over the smaller trader table; more, a pass over every trader table.
  static void merged(std::span<const TokenWindow* const> windows, std::int64_t to,
                     const std::int64_t* froms, std::size_t n, std::int64_t step_ms,
                     WindowFigures* out);
  bool empty() const { return buckets_.empty(); }
  std::int64_t newest_bucket() const { return buckets_.empty() ? INT64_MIN : buckets_.back().index; }
  std::size_t bytes() const;
  std::size_t trader_count() const { return traders_size_; }

  void save(StateWriter& out) const;
  // `version` is the partition state's format: 1 had no transfers in its buckets.
  [[nodiscard]] bool load(StateReader& in, std::uint32_t version);

 private:
  struct TraderSlot {
    std::uint64_t fingerprint = 0;  // 0: empty
    std::int64_t last_bucket = 0;
  };
  // Records that `fingerprint` traded in bucket `at` (an element of buckets_).
  void note_trader(std::uint64_t fingerprint, std::vector<Bucket>::iterator at);
  // Inserts or raises a trader's last bucket in the table; returns the previous last bucket
  // (INT64_MIN for a new trader).
  std::int64_t upsert_trader(std::uint64_t fingerprint, std::int64_t bucket);
  void rebuild_traders(std::size_t capacity, std::int64_t oldest_bucket);
  // The trader's last bucket, INT64_MIN when it is not a trader of this token.
  std::int64_t last_bucket_of(std::uint64_t fingerprint) const;
  [[nodiscard]] bool load_buckets(StateReader& in, std::uint32_t version);

  std::vector<Bucket> buckets_;  // ascending index, each index once
  std::vector<TraderSlot> traders_;
  std::uint32_t traders_size_ = 0;
};

}  // namespace tokenflow::stream
