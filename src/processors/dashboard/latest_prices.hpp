// LatestPrices: follows the price topic (from its beginning) and keeps the newest tick of
// every (asset, source), for the dashboard's price table. Any producer may write there: a
// message that is not a valid tick is counted and skipped; an older tick than the one held
// (a re-sent or late one) does not replace it.
//
// Lifecycle and threads: create(), then one thread calls poll() and reads the results.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "codec/price_tick_decoder.hpp"
#include "core/result.hpp"
#include "kafka/client_config.hpp"
#include "kafka/topic_follower.hpp"

namespace tokenflow::processors {

class LatestPrices {
 public:
  // At most `keep` (asset, source) pairs are held; ticks of further pairs are counted only.
  static core::Result<std::unique_ptr<LatestPrices>> create(const kafka::ClientConfig& config,
                                                            const std::string& topic,
                                                            std::size_t keep = 500);
  // Reads what arrived, for at most `budget`.
  void poll(std::chrono::milliseconds budget);

  std::uint64_t total() const { return total_; }
  std::uint64_t unreadable() const { return unreadable_; }
  // (asset, source) -> its newest tick, sorted by asset then source.
  const std::map<std::pair<std::string, std::string>, core::PriceTick>& latest() const {
    return latest_;
  }
  const std::string& topic() const { return follower_->topic(); }

 private:
  LatestPrices() = default;
  std::unique_ptr<kafka::TopicFollower> follower_;
  codec::PriceTickDecoder decoder_;
  std::size_t keep_ = 500;
  std::map<std::pair<std::string, std::string>, core::PriceTick> latest_;
  std::uint64_t total_ = 0;
  std::uint64_t unreadable_ = 0;
};

}  // namespace tokenflow::processors
