#include "processors/dashboard/dead_letter_tally.hpp"

#include "kafka/dead_letter.hpp"

namespace tokenflow::processors {
namespace {

// Header values come from any producer: keep them printable ASCII, bounded.
std::string printable(std::string_view text, std::size_t limit = 300) {
  std::string out;
  out.reserve(std::min(text.size(), limit));
  for (char c : text.substr(0, limit)) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte >= 0x20 && byte < 0x7f ? c : '?');
  }
  if (text.size() > limit) out.append("...");
  return out;
}

}  // namespace

core::Result<std::unique_ptr<DeadLetterTally>> DeadLetterTally::create(
    const kafka::ClientConfig& config, const std::string& topic, std::size_t keep) {
  auto follower = kafka::TopicFollower::create(config, topic);
  if (!follower.ok()) return std::move(follower).error();
  std::unique_ptr<DeadLetterTally> tally(new DeadLetterTally());
  tally->follower_ = std::move(follower).value();
  tally->keep_ = keep;
  return tally;
}

void DeadLetterTally::poll(std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = follower_->poll(std::chrono::milliseconds(20));
    if (!message) {
      if (follower_->caught_up()) break;
      continue;
    }
    ++total_;
    const auto topic = message->header(std::string(kafka::kSourceTopicHeader).c_str());
    const std::string source_topic = topic ? printable(*topic, 200) : "unknown";
    ++by_topic_[source_topic];
    DeadLetterNote note;
    note.source = source_topic;
    if (auto p = message->header(std::string(kafka::kSourcePartitionHeader).c_str())) {
      note.source += "[" + printable(*p, 12) + "]";
    }
    if (auto o = message->header(std::string(kafka::kSourceOffsetHeader).c_str())) {
      note.source += "@" + printable(*o, 24);
    }
    const auto reason = message->header(std::string(kafka::kReasonHeader).c_str());
    note.reason = reason ? printable(*reason) : "(no tokenflow.reason header)";
    note.timestamp_ms = message->timestamp_ms().value_or(0);
    latest_.push_front(std::move(note));
    if (latest_.size() > keep_) latest_.pop_back();
  }
}

}  // namespace tokenflow::processors
