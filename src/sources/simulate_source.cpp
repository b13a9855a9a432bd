#include "sources/simulate_source.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <random>
#include <thread>

#include "codec/price_tick_encoder.hpp"
#include "codec/swap_encoder.hpp"
#include "codec/transfer_encoder.hpp"

namespace tokenflow::sources {
namespace {

using Clock = std::chrono::steady_clock;

// Recent messages kept for re-sending as duplicates.
constexpr std::size_t kDuplicatePool = 1024;

}  // namespace

const char* simulated_events_name(SimulatedEvents events) {
  switch (events) {
    case SimulatedEvents::transfers: return "transfers";
    case SimulatedEvents::swaps: return "swaps";
    case SimulatedEvents::prices: return "price ticks";
  }
  return "events";
}

std::string malformed_message(std::uint64_t n, const std::string& valid_json, SimulatedEvents events) {
  // The fields each kind of bad input damages, by event type.
  const bool swap = events == SimulatedEvents::swaps;
  const bool tick = events == SimulatedEvents::prices;
  const std::string_view amount = tick ? "\"price_usd\":\"" : swap ? "\"amount_usd\":\"" : "\"value\":\"";
  const std::string_view address = tick ? "\"contract_address\":\"0x"
                                   : swap ? "\"trader\":\"0x"
                                          : "\"to_address\":\"0x";
  const std::string_view number = tick ? "\"chain_id\":" : swap ? "\"timestamp\":" : "\"block_number\":";
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = valid_json;
    if (auto pos = s.find(from); pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  };
  switch (n % 10) {
    case 0: return valid_json.substr(0, valid_json.size() / 2);             // truncated
    case 1: return "this is not json";
    case 2: return replace(amount, std::string(amount) + "-");                  // negative amount
    case 3: return replace(address, std::string(address) + "zz");              // bad address
    // A missing id (a tick's id is optional, derived from source, asset and time: its asset).
    case 4: return tick ? replace("\"asset\":", "\"asset_missing\":")
                        : replace("\"id\":", "\"id_missing\":");
    case 5: return "[" + valid_json + "]";                                     // not an object
    case 6: return valid_json + valid_json;                                    // two objects
    case 7: return replace(number, std::string(number) + "\"x\",\"b\":");      // mistyped
    case 8: return replace(amount, std::string(amount) + "\xff");             // invalid UTF-8
    default: return "";                                                        // empty
  }
}

core::Result<SimulateSummary> run_simulation(const SimulateOptions& options,
                                             const core::TokenRegistry& registry,
                                             kafka::Producer& producer,
                                             const core::StopSignal& stop, SourceProbe& probe) {
  SimulatorOptions chain = options.chain;
  ChainSimulator simulator(registry, chain);
  simulator.follow_wall_clock(options.live_timestamps);
  PriceWalkOptions walk_options = options.prices;
  walk_options.seed = chain.seed;
  walk_options.chain_id = chain.chain_id;
  PriceWalk walk(registry, walk_options);
  walk.follow_wall_clock(options.live_timestamps);
  std::mt19937_64 rng(chain.seed ^ 0x5eed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);

  struct Sent {
    std::string key;
    std::string payload;
  };
  std::vector<Sent> recent;
  recent.reserve(kDuplicatePool);

  SimulateSummary summary;
  core::Transfer transfer;
  core::Swap swap;
  core::PriceTick tick;
  std::string json;
  char key[core::Address::kTextSize];
  auto started = Clock::now();
  auto last_log = started;
  std::uint64_t sent = 0;

  while (!stop.requested() && (options.count == 0 || sent < options.count)) {
    if (options.hold != nullptr && options.hold->load(std::memory_order_relaxed)) {
      const auto paused_at = Clock::now();
      while (!stop.requested() && options.hold->load(std::memory_order_relaxed)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      started += Clock::now() - paused_at;  // the pace resumes: no burst to catch up
      continue;
    }
    if (options.rate > 0) {
      auto due = started + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(sent) / options.rate));
      auto now = Clock::now();
      if (due > now) std::this_thread::sleep_for(std::min<Clock::duration>(due - now, std::chrono::milliseconds(50)));
      if (Clock::now() < due) continue;
    }
    double roll = unit(rng);
    core::Result<void> produced = core::success();
    if (roll < options.malformed_share && !recent.empty()) {
      std::string bad = malformed_message(summary.malformed, recent.back().payload, options.events);
      produced = producer.produce(options.topic, recent.back().key, bad);
      if (produced.ok()) {
        ++summary.malformed;
        probe.malformed_injected.add();
      }
    } else if (roll < options.malformed_share + options.duplicate_share && !recent.empty()) {
      const Sent& again = recent[rng() % recent.size()];
      produced = producer.produce(options.topic, again.key, again.payload);
      if (produced.ok()) {
        ++summary.duplicates;
        probe.duplicates_injected.add();
      }
    } else {
      std::string_view key_view(key, sizeof key);
      switch (options.events) {
        case SimulatedEvents::swaps:
          simulator.next_swap(swap);
          codec::encode_swap(swap, json);
          swap.token.write_hex(key);
          break;
        case SimulatedEvents::prices:
          walk.next(tick);
          json = codec::encode_price_tick(tick);
          key_view = tick.asset;
          break;
        case SimulatedEvents::transfers:
          simulator.next(transfer);
          codec::encode_transfer(transfer, json);
          transfer.contract_address.write_hex(key);
          break;
      }
      probe.read.add();
      produced = producer.produce(options.topic, key_view, json);
      if (produced.ok()) {
        ++summary.transfers;
        if (recent.size() < kDuplicatePool) {
          recent.push_back({std::string(key_view), json});
        } else {
          auto& slot = recent[summary.transfers % kDuplicatePool];
          slot.key.assign(key_view);
          slot.payload.assign(json);
        }
      }
    }
    if (!produced.ok()) return std::move(produced).error();
    probe.published.add();
    ++sent;
    auto now = Clock::now();
    if (now - last_log >= std::chrono::seconds(5)) {
      double secs = std::chrono::duration<double>(now - started).count();
      if (options.events == SimulatedEvents::prices) {
        spdlog::info("simulate: {} messages published ({:.0f}/s), {} assets, {} off their peg",
                     sent, static_cast<double>(sent) / secs, walk.assets(), walk.depegged());
      } else {
        spdlog::info("simulate: {} messages published ({:.0f}/s), block {}", sent,
                     static_cast<double>(sent) / secs, simulator.current_block());
      }
      last_log = now;
    }
  }
  auto flushed = producer.flush(std::chrono::seconds(60));
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (!flushed.ok()) return std::move(flushed).error();
  spdlog::info("simulate: published {} {}, {} duplicates, {} malformed to {} in {:.1f} s "
               "({:.0f} msgs/s), all acknowledged",
               summary.transfers, simulated_events_name(options.events), summary.duplicates,
               summary.malformed, options.topic,
               summary.seconds,
               static_cast<double>(sent) / std::max(summary.seconds, 1e-9));
  return summary;
}

}  // namespace tokenflow::sources
