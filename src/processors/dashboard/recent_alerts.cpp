#include "processors/dashboard/recent_alerts.hpp"

#include <simdjson.h>

namespace tokenflow::processors {

core::Result<std::unique_ptr<RecentAlerts>> RecentAlerts::create(const kafka::ClientConfig& config,
                                                                 const std::string& topic,
                                                                 std::size_t keep) {
  auto follower = kafka::TopicFollower::create(config, topic);
  if (!follower.ok()) return std::move(follower).error();
  std::unique_ptr<RecentAlerts> feed(new RecentAlerts());
  feed->follower_ = std::move(follower).value();
  feed->keep_ = keep;
  return feed;
}

void RecentAlerts::poll(std::chrono::milliseconds budget) {
  static thread_local simdjson::dom::parser parser;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = follower_->poll(std::chrono::milliseconds(20));
    if (!message) {
      if (follower_->caught_up()) break;
      continue;
    }
    const auto payload = message->payload();
    simdjson::dom::element element;
    // A message without a payload has no data pointer, which simdjson must not be given.
    if (payload.empty() ||
        parser.parse(payload.data(), payload.size()).get(element) != simdjson::SUCCESS ||
        !element.is_object()) {
      ++unreadable_;
      continue;
    }
    ++total_;
    // Minified again, so the overview embeds one well-formed object whatever was sent.
    alerts_.push_front(simdjson::minify(element));
    if (alerts_.size() > keep_) alerts_.pop_back();
  }
}

}  // namespace tokenflow::processors
