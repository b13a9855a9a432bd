// `tokenflow produce simulate`: publishes the ChainSimulator's transfers (or its swaps, for
// `defi.swaps`, keyed like transfers by contract address; or PriceWalk's price ticks, for
// `market.prices`, keyed by asset) to Kafka, at a given rate or as fast as the producer goes,
// for a count or until stopped. For testing consumers it can re-send a share of earlier messages (duplicates) and
// send a share of malformed ones (each kind of invalid input the decoders must survive).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "core/token_registry.hpp"
#include "kafka/producer.hpp"
#include "sources/chain_simulator.hpp"
#include "sources/price_walk.hpp"
#include "sources/source_probe.hpp"

namespace tokenflow::sources {

enum class SimulatedEvents { transfers, swaps, prices };
const char* simulated_events_name(SimulatedEvents events);

struct SimulateOptions {
  std::string topic = "stablecoin-transfers";
  std::uint64_t count = 0;       // 0: until stopped
  double rate = 0;               // events per second; 0: unpaced
  double duplicate_share = 0;    // 0..1: share of messages that repeat an earlier one
  double malformed_share = 0;    // 0..1: share of messages that are invalid on purpose
  bool live_timestamps = true;   // block times follow the wall clock (else 12 s per block)
  SimulatedEvents events = SimulatedEvents::transfers;
  // While set, nothing is published (up's retention gate: a consumer is far behind); the
  // rate resumes where it paused, without a burst to catch up.
  const std::atomic<bool>* hold = nullptr;
  SimulatorOptions chain;
  PriceWalkOptions prices;  // its seed and chain are the chain's
};

struct SimulateSummary {
  std::uint64_t transfers = 0;   // valid, distinct events (transfers, swaps or ticks) published
  std::uint64_t duplicates = 0;
  std::uint64_t malformed = 0;
  double seconds = 0;
};

// Runs until `count` messages are published (or stop), then flushes the producer: the
// result is an error if any message was not acknowledged by Kafka.
core::Result<SimulateSummary> run_simulation(const SimulateOptions& options,
                                             const core::TokenRegistry& registry,
                                             kafka::Producer& producer,
                                             const core::StopSignal& stop, SourceProbe& probe);

// The malformed message number `n` (cycling through the kinds of bad input), made from a
// valid event of the kind.
std::string malformed_message(std::uint64_t n, const std::string& valid_json,
                              SimulatedEvents events = SimulatedEvents::transfers);

}  // namespace tokenflow::sources
