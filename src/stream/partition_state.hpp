// PartitionState: everything the statistics keep for one Kafka partition: the partition's
// clock (highest event time applied), the next offset to read, the de-duplication filter and
// every token's TokenWindow. Checkpointed as one unit with its offset, so restoring it and
// reading on from next_offset() gives exactly the state an uninterrupted run has.
//
// Why per partition: a token's events all land in one partition (keyed by token), so the
// partition is the unit Kafka moves between instances, and its state must be a function of
// its own log only. The too-late rule therefore uses the partition's clock; the instance's
// clock (the highest over its partitions) only chooses which buckets an answer covers.
//
// Single-threaded: the aggregator owns it; readers (HTTP) hold the owner's shared lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/address.hpp"
#include "core/swap.hpp"
#include "core/transfer.hpp"
#include "stream/dedup_filter.hpp"
#include "stream/token_window.hpp"
#include "stream/window_config.hpp"

namespace tokenflow::stream {

enum class Applied : std::uint8_t {
  added,      // in the figures
  duplicate,  // its id was seen within the dedup ttl: ignored
  too_late,   // its bucket already left the largest window as of the partition's clock
  overflow,   // its bucket's volume would overflow 64 bits: rejected (hostile input)
};

class PartitionState {
 public:
  PartitionState(const WindowConfig& config, std::chrono::milliseconds dedup_ttl);

  // Applies one swap; `id_fingerprint` is stream::fingerprint(swap.id.value).
  Applied apply(const core::Swap& swap, std::uint64_t id_fingerprint);
  // Applies one transfer worth `usd` (its value at the token's peg; zero when it has none):
  // neither a buy nor a sell, its sender and receiver (the zero address left out) its traders.
  Applied apply(const core::Transfer& transfer, core::UsdMicros usd, std::uint64_t id_fingerprint);
  // Drops what no window can see any more (tokens with no bucket left), telling
  // `on_evicted` (when set) each token dropped. Cheap enough to run every checkpoint; figures
  // never depend on when it runs.
  void evict(const std::function<void(const core::Address&)>& on_evicted = {});

  // The partition's clock: the highest event time applied; INT64_MIN before any event.
  core::UnixMillis clock() const { return clock_; }
  std::int64_t next_offset() const { return next_offset_; }
  void set_next_offset(std::int64_t offset) { next_offset_ = offset; }
  // The next offset a saved state resumes at, without loading it (`tokenflow lag`, which
  // knows nothing of the service's windows); nullopt if `saved` is not a state.
  static std::optional<std::int64_t> next_offset_of(std::string_view saved);

  const TokenWindow* find(const core::Address& token) const;
  template <typename F>
  void for_each_token(F&& f) const {
    for (const auto& [token, window] : tokens_) f(token, window);
  }
  std::size_t token_count() const { return tokens_.size(); }
  std::size_t dedup_size() const { return dedup_.size(); }
  // Approximate heap bytes (tokens, buckets, traders, the dedup table).
  std::size_t bytes() const;

  // The binary form (see checkpoint_store for the file around it).
  void save(std::string& out) const;
  [[nodiscard]] bool load(std::string_view in);

 private:
  // `traders` may hold nulls (a transfer's zero address).
  Applied apply_event(core::UnixMillis t, const core::Address& token, Flow flow,
                      core::UsdMicros usd, const core::Address* const (&traders)[2],
                      std::uint64_t id_fingerprint);

  const WindowConfig* config_;
  core::UnixMillis clock_{INT64_MIN};
  std::int64_t next_offset_ = 0;
  std::int64_t clock_bucket_lo_ms_ = INT64_MAX;  // apply()'s cache: the clock's bucket start
  std::int64_t oldest_ = INT64_MIN;  // and the oldest bucket inside the largest window then
  DedupFilter dedup_;
  std::unordered_map<core::Address, TokenWindow, core::AddressHash> tokens_;
};

}  // namespace tokenflow::stream
