#include "processors/dashboard/latest_prices.hpp"

namespace tokenflow::processors {

core::Result<std::unique_ptr<LatestPrices>> LatestPrices::create(const kafka::ClientConfig& config,
                                                                 const std::string& topic,
                                                                 std::size_t keep) {
  auto follower = kafka::TopicFollower::create(config, topic);
  if (!follower.ok()) return std::move(follower).error();
  std::unique_ptr<LatestPrices> feed(new LatestPrices());
  feed->follower_ = std::move(follower).value();
  feed->keep_ = keep;
  return feed;
}

void LatestPrices::poll(std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = follower_->poll(std::chrono::milliseconds(20));
    if (!message) {
      if (follower_->caught_up()) break;
      continue;
    }
    auto tick = decoder_.decode(message->payload());
    if (!tick.ok()) {
      ++unreadable_;
      continue;
    }
    ++total_;
    auto key = std::make_pair(tick->asset, tick->source);
    auto it = latest_.find(key);
    if (it == latest_.end()) {
      if (latest_.size() < keep_) latest_.emplace(std::move(key), std::move(tick).value());
    } else if (tick->timestamp >= it->second.timestamp) {
      it->second = std::move(tick).value();
    }
  }
}

}  // namespace tokenflow::processors
