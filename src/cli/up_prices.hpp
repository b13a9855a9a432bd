// The price half of `tokenflow up`: the price simulator publishing ticks to market.prices
// (PriceWalk, as `produce simulate --prices`), and a price sink for each place up has to
// write to: the price history in PostgreSQL when DATABASE_URL is set (as `sink postgres
// --events prices`) and the latest prices in Redis when REDIS_URL is set (as `sink redis`). Each sink is the same EventSink<PriceEvents> as its subcommand, with
// its own consumer group, so the dashboard and the retention gate see it like any other.
//
// Lifecycle: create(), then start(); stop_source() before stop_sinks() (the sinks finish
// what was published); the progress, summary and JSON fragments from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cli/role_thread.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "core/token_registry.hpp"
#include "kafka/client_config.hpp"
#include "kafka/producer.hpp"
#include "processors/dashboard/dashboard.hpp"
#include "sinks/batch_store.hpp"
#include "sinks/event_sink.hpp"
#include "sources/source_probe.hpp"

namespace tokenflow::cli {

struct UpPriceSettings {
  std::string topic = "market.prices";
  double rate = 51;  // ticks per second; 0: no price simulator
  std::uint64_t seed = 1;
  std::string database_url;  // set: price history in PostgreSQL
  std::string redis_url;     // set: the latest prices in Redis
  bool no_sink = false;      // --no-sink leaves the price sinks out too
  bool embedded = true;      // the cluster starts empty: stored positions are forgotten
};

class UpPrices {
 public:
  static core::Result<std::unique_ptr<UpPrices>> create(const UpPriceSettings& settings,
                                                        const kafka::ClientConfig& client,
                                                        const core::TokenRegistry& registry,
                                                        kafka::Producer& dead_letters);
  ~UpPrices();

  // The price producer (the retention gate reads its message sizes).
  const kafka::Producer& producer() const { return *producer_; }
  // The sinks' consumer groups and topics, for the dashboard.
  void add_groups(processors::DashboardOptions& options) const;
  // "price history" for its group, "" for a group that is not a price sink's.
  std::string role_of(const std::string& group) const;

  void start(const std::atomic<bool>* hold, core::StopSignal& everything);
  void stop_source();
  // Waits (up to `patience`) for the sinks to take in what was published, then stops them.
  void stop_sinks(std::chrono::milliseconds patience);

  std::string progress() const;     // " | prices 1,234 | history 1,200"
  std::string summary() const;      // a line per role, each ending in "\n"
  std::string roles_json() const;   // ",\"prices\":{...}"
  // The roles that failed, with their errors.
  std::vector<const RoleThread*> roles() const;

 private:
  struct Sink {
    std::string role;   // "price history"
    std::string group;  // its consumer group
    std::string destination;
    std::unique_ptr<sinks::PriceBatchStore> store;  // for the summary's row count
    std::unique_ptr<sinks::PriceSink> sink;
    std::unique_ptr<RoleThread> thread;
  };

  UpPrices(const UpPriceSettings& settings, const core::TokenRegistry& registry)
      : settings_(settings), registry_(registry) {}
  core::Result<void> add_sink(std::string role, std::string group, std::string destination,
                              sinks::PriceSink::StoreFactory make_store,
                              const kafka::ClientConfig& client, kafka::Producer& dead_letters);

  UpPriceSettings settings_;
  const core::TokenRegistry& registry_;
  std::unique_ptr<kafka::Producer> producer_;
  sources::SourceProbe probe_;
  RoleThread source_{"simulator (prices)"};
  std::vector<Sink> sinks_;
};

}  // namespace tokenflow::cli
