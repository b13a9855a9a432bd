#include "stream/partition_state.hpp"

#include "stream/fingerprint.hpp"

namespace tokenflow::stream {
namespace {

constexpr std::uint32_t kFormatVersion = 1;

}  // namespace

PartitionState::PartitionState(const WindowConfig& config, std::chrono::milliseconds dedup_ttl)
    : config_(&config), dedup_(dedup_ttl) {}

Applied PartitionState::apply(const core::Swap& swap, std::uint64_t id_fingerprint) {
  // Duplicates first: a repeat of a counted event is a duplicate whatever its time says.
  const core::UnixMillis clock{std::max(clock_.value, swap.timestamp.value)};
  const std::int64_t bucket = config_->bucket_of(swap.timestamp);
  // The clock changes bucket once per step: within the last call's bucket, reuse its answer.
  if (clock.value < clock_bucket_lo_ms_ || clock.value >= clock_bucket_lo_ms_ + config_->step_ms()) {
    const std::int64_t clock_bucket = config_->bucket_of(clock);
    clock_bucket_lo_ms_ = clock_bucket * config_->step_ms();
    oldest_ = WindowConfig::first_bucket(clock_bucket, config_->largest());
  }
  const std::int64_t oldest = oldest_;
  if (bucket < oldest) {
    // Too late is decided without remembering the id, so a repeat of a late event is late
    // again; it may still repeat a counted event, which makes it a duplicate.
    return dedup_.contains(id_fingerprint, clock) ? Applied::duplicate : Applied::too_late;
  }
  if (dedup_.check_and_remember(id_fingerprint, swap.timestamp, clock)) return Applied::duplicate;
  auto [it, inserted] = tokens_.try_emplace(swap.token);
  TokenWindow& window = it->second;
  if (!inserted) window.evict_before(oldest);
  const std::uint64_t trader = fingerprint(swap.trader.bytes().data(), swap.trader.bytes().size());
  if (!window.add(bucket, config_->step_ms(), swap.timestamp, swap.side, swap.amount_usd,
                  trader)) {
    if (window.empty()) tokens_.erase(it);
    return Applied::overflow;
  }
  clock_ = clock;
  return Applied::added;
}

void PartitionState::evict() {
  if (clock_.value == INT64_MIN) return;
  const std::int64_t oldest =
      WindowConfig::first_bucket(config_->bucket_of(clock_), config_->largest());
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    if (it->second.evict_before(oldest)) {
      it = tokens_.erase(it);
    } else {
      ++it;
    }
  }
}

const TokenWindow* PartitionState::find(const core::Address& token) const {
  auto it = tokens_.find(token);
  return it == tokens_.end() ? nullptr : &it->second;
}

std::size_t PartitionState::bytes() const {
  // An unordered_map node holds the key, the value and a next pointer, plus a bucket slot.
  constexpr std::size_t kNode = sizeof(void*) + sizeof(core::Address) + sizeof(std::size_t);
  std::size_t total = sizeof(*this) + dedup_.bytes() + tokens_.bucket_count() * sizeof(void*);
  for (const auto& [token, window] : tokens_) total += kNode + window.bytes();
  return total;
}

void PartitionState::save(std::string& out) const {
  StateWriter w(out);
  w.put(kFormatVersion);
  w.put(config_->step_ms());
  w.put(clock_.value);
  w.put(next_offset_);
  dedup_.save(w);
  w.put(static_cast<std::uint64_t>(tokens_.size()));
  for (const auto& [token, window] : tokens_) {
    w.put(token.bytes());
    window.save(w);
  }
}

bool PartitionState::load(std::string_view in) {
  StateReader r(in);
  std::uint32_t version = 0;
  std::int64_t step_ms = 0;
  if (!r.get(version) || version != kFormatVersion || !r.get(step_ms)) return false;
  // Buckets of another step cannot be re-cut: such a checkpoint is refused (the caller says
  // how to start over).
  if (step_ms != config_->step_ms()) return false;
  if (!r.get(clock_.value) || !r.get(next_offset_) || !dedup_.load(r)) return false;
  std::uint64_t count = 0;
  if (!r.get_count(count, sizeof(core::Address))) return false;
  tokens_.clear();
  tokens_.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    std::array<std::uint8_t, 20> bytes{};
    if (!r.get(bytes)) return false;
    if (!tokens_[core::Address(bytes)].load(r)) return false;
  }
  return r.done();
}

}  // namespace tokenflow::stream
