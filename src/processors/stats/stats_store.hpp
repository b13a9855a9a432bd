// StatsStore: the partitions' states of one statistics instance and the answers made from
// them (a token's figures in every window, top tokens), as the JSON of DESIGN.md.
//
// A state belongs to one partition of one input topic (StateKey): swaps, and transfers when
// they are read. Where a token's events are is learnt from the events, never computed from a
// partitioner: the store keeps, per token, the owned states that hold it (updated as events
// create tokens and eviction drops them, rebuilt when a state is installed), and an answer
// merges them all (TokenWindow::merged). So a token produced by any client, with any
// partitioner, or spread over several partitions, is answered exactly.
//
// With a directory (StatsDirectory), every change of which states hold which tokens is also
// journaled for it to publish to the other instances of the group.
//
// Threads: the aggregator is the only writer and holds update() while it applies a batch;
// any number of readers (HTTP, WebSocket pushes) call the const methods, which take the
// shared lock for the duration of one answer.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "core/address.hpp"
#include "core/timestamp.hpp"
#include "stream/partition_state.hpp"
#include "stream/window_config.hpp"

namespace tokenflow::processors {

struct StatsSettings {
  stream::WindowConfig windows;
  std::chrono::milliseconds dedup_ttl{86'400'000};
  std::chrono::milliseconds max_skew{5000};
  bool reads_transfers = false;  // a second input topic; its tokens merge with the swaps'
};

// The input topics a state can belong to.
enum class Input : std::uint8_t { swaps, transfers };

// One partition of one input topic: what a PartitionState (and its checkpoint) covers.
struct StateKey {
  Input input = Input::swaps;
  int partition = 0;
  friend auto operator<=>(const StateKey&, const StateKey&) = default;
};

// The owned states holding a token: almost always one (or two, swaps and transfers).
using StateKeys = boost::container::small_vector<StateKey, 2>;

// found: `out` holds the answer; no_events: states here hold the token but none has an event
// in the largest window; not_held: no state here holds it (another instance may: ask the
// directory).
enum class TokenAnswer { found, no_events, not_held };

// A change of which states hold which tokens, for the directory to publish. `held` false
// with a token: evicted from that state. A whole state installed here is `installed`.
struct HolderChange {
  StateKey key;
  core::Address token;
  bool held = true;
};
struct HolderJournal {
  std::vector<StateKey> installed;  // announce these partitions (and all their tokens below)
  std::vector<HolderChange> changes;
  bool empty() const { return installed.empty() && changes.empty(); }
};
enum class SortKey { volume, count, traders };

class StatsStore {
 public:
  explicit StatsStore(StatsSettings settings);

  const StatsSettings& settings() const { return settings_; }
  bool reads_transfers() const { return settings_.reads_transfers; }

  // --- the aggregator (single writer) ---
  std::unique_lock<std::shared_mutex> update() { return std::unique_lock(mutex_); }
  // Under update(): the state, or null when it is not owned.
  stream::PartitionState* partition(StateKey key);
  void install(StateKey key, std::unique_ptr<stream::PartitionState> state);
  std::unique_ptr<stream::PartitionState> remove(StateKey key);
  // Under update(): `token` now has a window in state `key` (an event created it) / no
  // longer has (evicted).
  void note_token(StateKey key, const core::Address& token);
  void forget_token(StateKey key, const core::Address& token);

  // --- the directory ---
  // Starts journaling holder changes (call before the first install).
  void track_changes() { tracking_ = true; }
  // The changes since the last call (any thread).
  HolderJournal take_changes();
  std::vector<StateKey> owned() const;  // under update() or the shared lock
  std::vector<StateKey> owned_snapshot() const;  // takes the shared lock
  // Called by the writer after each batch: readers use it to see that something changed.
  void bump_version() { version_.fetch_add(1, std::memory_order_release); }
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // --- readers ---
  // The instance's clock: the highest event time over owned partitions, at most max_skew
  // ahead of the wall clock; nullopt before any event.
  std::optional<core::UnixMillis> now() const;
  // Writes the answer body of GET /v1/tokens/{token}/stats into `out` (when found) and the
  // owned states holding the token into `held`.
  TokenAnswer token_stats(const core::Address& token, std::string& out, StateKeys& held) const;
  bool owns(StateKey key) const;
  // The `limit` tokens with the highest `sort` figure in `window` (ties by address).
  void top_tokens(const stream::Window& window, SortKey sort, std::size_t limit,
                  std::string& out) const;
  // Every token with events in the largest window (for subscriptions to "*").
  std::vector<core::Address> tokens() const;
  std::size_t token_count() const;
  std::size_t state_bytes() const;

 private:
  using Windows = boost::container::small_vector<const stream::TokenWindow*, 2>;
  // A token's windows in the states owned here; under the lock.
  Windows windows_of(const StateKeys& keys, const core::Address& token) const;
  const StateKeys* holders_of(const core::Address& token) const;
  const stream::PartitionState* find(StateKey key) const;
  void journal(StateKey key, const core::Address& token, bool held);
  std::optional<core::UnixMillis> now_locked() const;

  StatsSettings settings_;
  mutable std::shared_mutex mutex_;
  std::map<StateKey, std::unique_ptr<stream::PartitionState>> partitions_;
  std::unordered_map<core::Address, StateKeys, core::AddressHash> holders_;
  std::atomic<std::uint64_t> version_{0};
  bool tracking_ = false;
  std::mutex journal_mutex_;  // inside the writer lock when both are taken
  HolderJournal journal_;
};

// The JSON of one window's figures: {"volume_usd":"..",...,"first_event":"..",...}.
void append_window_json(std::string& out, const stream::WindowFigures& f);

}  // namespace tokenflow::processors
