#include "stream/partition_state.hpp"

#include "stream/fingerprint.hpp"

namespace tokenflow::stream {
namespace {

// 2: buckets carry transfers (56 bytes); 1 (swaps only, 48-byte buckets) is still read.
constexpr std::uint32_t kFormatVersion = 2;

}  // namespace

PartitionState::PartitionState(const WindowConfig& config, std::chrono::milliseconds dedup_ttl)
    : config_(&config), dedup_(dedup_ttl) {}

Applied PartitionState::apply(const core::Swap& swap, std::uint64_t id_fingerprint) {
  const core::Address* const traders[2] = {&swap.trader, nullptr};
  return apply_event(swap.timestamp, swap.token,
                     swap.side == core::SwapSide::buy ? Flow::buy : Flow::sell, swap.amount_usd,
                     traders, id_fingerprint);
}

Applied PartitionState::apply(const core::Transfer& transfer, core::UsdMicros usd,
                              std::uint64_t id_fingerprint) {
  // Mints come from and burns go to the zero address, which is nobody's trade.
  const core::Address* const traders[2] = {
      transfer.from_address.is_zero() ? nullptr : &transfer.from_address,
      transfer.to_address.is_zero() ? nullptr : &transfer.to_address};
  return apply_event(transfer.timestamp, transfer.contract_address, Flow::transfer, usd, traders,
                     id_fingerprint);
}

Applied PartitionState::apply_event(core::UnixMillis t, const core::Address& token, Flow flow,
                                    core::UsdMicros usd,
                                    const core::Address* const (&traders)[2],
                                    std::uint64_t id_fingerprint) {
  // Duplicates first: a repeat of a counted event is a duplicate whatever its time says.
  const core::UnixMillis clock{std::max(clock_.value, t.value)};
  const std::int64_t bucket = config_->bucket_of(t);
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
  if (dedup_.check_and_remember(id_fingerprint, t, clock)) return Applied::duplicate;
  auto [it, inserted] = tokens_.try_emplace(token);
  TokenWindow& window = it->second;
  if (!inserted) window.evict_before(oldest);
  std::uint64_t fingerprints[2];
  std::size_t n = 0;
  for (const core::Address* trader : traders) {
    if (trader != nullptr) fingerprints[n++] = fingerprint(trader->bytes().data(), trader->bytes().size());
  }
  if (!window.add(bucket, config_->step_ms(), t, flow, usd, std::span(fingerprints, n))) {
    if (window.empty()) tokens_.erase(it);
    return Applied::overflow;
  }
  clock_ = clock;
  return Applied::added;
}

void PartitionState::evict(const std::function<void(const core::Address&)>& on_evicted) {
  if (clock_.value == INT64_MIN) return;
  const std::int64_t oldest =
      WindowConfig::first_bucket(config_->bucket_of(clock_), config_->largest());
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    if (it->second.evict_before(oldest)) {
      if (on_evicted) on_evicted(it->first);
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

std::optional<std::int64_t> PartitionState::next_offset_of(std::string_view saved) {
  StateReader r(saved);
  std::uint32_t version = 0;
  std::int64_t step_ms = 0;
  std::int64_t clock = 0;
  std::int64_t next = 0;
  if (!r.get(version) || version < 1 || version > kFormatVersion || !r.get(step_ms) ||
      !r.get(clock) || !r.get(next)) {
    return std::nullopt;
  }
  return next;
}

bool PartitionState::load(std::string_view in) {
  StateReader r(in);
  std::uint32_t version = 0;
  std::int64_t step_ms = 0;
  if (!r.get(version) || version < 1 || version > kFormatVersion || !r.get(step_ms)) return false;
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
    if (!tokens_[core::Address(bytes)].load(r, version)) return false;
  }
  return r.done();
}

}  // namespace tokenflow::stream
