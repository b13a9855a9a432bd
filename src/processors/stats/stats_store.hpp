// StatsStore: the partitions' states of one statistics instance and the answers made from
// them (a token's figures in every window, top tokens), as the JSON of DESIGN.md.
//
// A state belongs to one partition of one input topic (StateKey): swaps, and transfers when
// they are read. A token's swaps and transfers are in different states, so an answer adds
// the two (TokenWindow::merged) and needs both of the token's partitions owned here.
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
#include <vector>

#include "core/address.hpp"
#include "core/timestamp.hpp"
#include "stream/partition_state.hpp"
#include "stream/window_config.hpp"

namespace tokenflow::processors {

struct StatsSettings {
  stream::WindowConfig windows;
  std::chrono::milliseconds dedup_ttl{86'400'000};
  std::chrono::milliseconds max_skew{5000};
  int partition_count = 1;           // of the swaps topic: who owns a token
  int transfer_partition_count = 0;  // of the transfers topic; 0: transfers are not read
};

// The input topics a state can belong to.
enum class Input : std::uint8_t { swaps, transfers };

// One partition of one input topic: what a PartitionState (and its checkpoint) covers.
struct StateKey {
  Input input = Input::swaps;
  int partition = 0;
  friend auto operator<=>(const StateKey&, const StateKey&) = default;
};

// The partitions that hold a token's events; transfers is -1 when transfers are not read.
struct TokenPartitions {
  int swaps = 0;
  int transfers = -1;
};

enum class TokenAnswer { found, not_owned, no_events };
enum class SortKey { volume, count, traders };

class StatsStore {
 public:
  explicit StatsStore(StatsSettings settings);

  const StatsSettings& settings() const { return settings_; }
  bool reads_transfers() const { return settings_.transfer_partition_count > 0; }
  // The partitions a token's events go to (Kafka's murmur2 partitioner, by token address).
  TokenPartitions partitions_of(const core::Address& token) const;

  // --- the aggregator (single writer) ---
  std::unique_lock<std::shared_mutex> update() { return std::unique_lock(mutex_); }
  // Under update(): the state, or null when it is not owned.
  stream::PartitionState* partition(StateKey key);
  void install(StateKey key, std::unique_ptr<stream::PartitionState> state);
  std::unique_ptr<stream::PartitionState> remove(StateKey key);
  std::vector<StateKey> owned() const;  // under update() or the shared lock
  // Called by the writer after each batch: readers use it to see that something changed.
  void bump_version() { version_.fetch_add(1, std::memory_order_release); }
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // --- readers ---
  // The instance's clock: the highest event time over owned partitions, at most max_skew
  // ahead of the wall clock; nullopt before any event.
  std::optional<core::UnixMillis> now() const;
  // Writes the answer body of GET /v1/tokens/{token}/stats into `out` (when found) and the
  // token's partitions into `partitions`. not_owned: a partition of the token is not owned
  // here.
  TokenAnswer token_stats(const core::Address& token, std::string& out,
                          TokenPartitions& partitions) const;
  // The `limit` tokens with the highest `sort` figure in `window` (ties by address).
  void top_tokens(const stream::Window& window, SortKey sort, std::size_t limit,
                  std::string& out) const;
  // Every token with events in the largest window (for subscriptions to "*").
  std::vector<core::Address> tokens() const;
  std::size_t token_count() const;
  std::size_t state_bytes() const;

 private:
  // A token's windows in the states owned here (null: no events there); under the lock.
  struct TokenWindows {
    bool owned = false;
    const stream::TokenWindow* swaps = nullptr;
    const stream::TokenWindow* transfers = nullptr;
  };
  TokenWindows windows_of(const core::Address& token, const TokenPartitions& partitions) const;
  const stream::PartitionState* find(StateKey key) const;
  std::optional<core::UnixMillis> now_locked() const;

  StatsSettings settings_;
  mutable std::shared_mutex mutex_;
  std::map<StateKey, std::unique_ptr<stream::PartitionState>> partitions_;
  std::atomic<std::uint64_t> version_{0};
};

// The JSON of one window's figures: {"volume_usd":"..",...,"first_event":"..",...}.
void append_window_json(std::string& out, const stream::WindowFigures& f);

}  // namespace tokenflow::processors
