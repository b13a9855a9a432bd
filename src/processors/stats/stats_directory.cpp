#include "processors/stats/stats_directory.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "core/timestamp.hpp"

namespace tokenflow::processors {

std::string instance_name() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return std::string(host.data()) + ":" + std::to_string(::getpid());
}

StatsDirectory::StatsDirectory(DirectoryOptions options, StatsStore& store)
    : options_(std::move(options)), store_(store) {}

core::Result<std::unique_ptr<StatsDirectory>> StatsDirectory::create(
    DirectoryOptions options, const kafka::ClientConfig& config, StatsStore& store) {
  std::unique_ptr<StatsDirectory> directory(new StatsDirectory(std::move(options), store));
  kafka::ProducerOptions producer_options;
  producer_options.linger_ms = 5;
  producer_options.client_id = "tokenflow-stats-directory";
  auto producer = kafka::Producer::create(config, producer_options);
  if (!producer.ok()) return std::move(producer).error();
  directory->producer_ = std::move(producer).value();
  auto follower = kafka::TopicFollower::create(config, directory->options_.topic);
  if (!follower.ok()) {
    auto error = std::move(follower).error();
    error.message = "the statistics directory " + directory->options_.topic + ": " + error.message;
    return error;
  }
  directory->follower_ = std::move(follower).value();
  store.track_changes();
  return directory;
}

StatsDirectory::~StatsDirectory() { stop(); }

void StatsDirectory::start(std::string advertise_url) {
  advertise_url_ = std::move(advertise_url);
  publisher_ = std::thread([this] { publish_loop(); });
  reader_ = std::thread([this] { read_loop(); });
}

void StatsDirectory::stop() {
  stopping_.store(true);
  if (publisher_.joinable()) publisher_.join();
  if (reader_.joinable()) reader_.join();
}

std::optional<Input> StatsDirectory::input_of(std::string_view topic) const {
  if (topic == options_.swaps_topic) return Input::swaps;
  if (!options_.transfers_topic.empty() && topic == options_.transfers_topic) {
    return Input::transfers;
  }
  return std::nullopt;
}

const std::string& StatsDirectory::topic_of(Input input) const {
  return input == Input::swaps ? options_.swaps_topic : options_.transfers_topic;
}

void StatsDirectory::announce_owner(StateKey key, std::int64_t now_ms) {
  PartitionOwnerRecord record{options_.group, topic_of(key.input), key.partition,
                              advertise_url_, options_.instance, now_ms};
  send(directory_key(record), directory_value(record));
}

void StatsDirectory::send(const std::string& key, std::string_view value) {
  if (auto sent = producer_->produce(options_.topic, key, value); !sent.ok()) {
    if (probe_.publish_failures.get() == 0) {
      spdlog::error("stats: directory record {} not sent to {}: {}; other instances may "
                    "redirect to the wrong owner until it is",
                    key, options_.topic, sent.error().message);
    }
    probe_.publish_failures.add();
    return;
  }
  probe_.published.add();
}

void StatsDirectory::publish_changes(const HolderJournal& journal) {
  const std::int64_t now_ms = core::now_millis().value;
  for (const StateKey key : journal.installed) announce_owner(key, now_ms);
  for (const HolderChange& change : journal.changes) {
    TokenHeldRecord record{options_.group, topic_of(change.key.input), change.key.partition,
                           change.token, change.held};
    const std::string value = directory_value(record);
    // A withdrawal is a tombstone (a null value), so compaction forgets the token.
    const std::string_view payload = change.held ? std::string_view(value) : std::string_view();
    send(directory_key(record), payload);
  }
}

void StatsDirectory::publish_loop() {
  auto next_heartbeat = std::chrono::steady_clock::now() + options_.heartbeat;
  while (!stopping_.load()) {
    std::this_thread::sleep_for(options_.publish_interval);
    if (const HolderJournal journal = store_.take_changes(); !journal.empty()) {
      publish_changes(journal);
    }
    if (std::chrono::steady_clock::now() >= next_heartbeat) {
      next_heartbeat = std::chrono::steady_clock::now() + options_.heartbeat;
      const std::int64_t now_ms = core::now_millis().value;
      for (const StateKey key : store_.owned_snapshot()) announce_owner(key, now_ms);
    }
    producer_->poll();
  }
  if (auto flushed = producer_->flush(std::chrono::seconds(5)); !flushed.ok()) {
    spdlog::warn("stats: directory records not all sent at stop ({}); other instances learn "
                 "them from this group's next owner",
                 flushed.error().message);
  }
}

void StatsDirectory::apply(const DirectoryRecord& record) {
  std::unique_lock lock(mutex_);
  if (const auto* owner = std::get_if<PartitionOwnerRecord>(&record)) {
    const auto input = input_of(owner->topic);
    if (owner->group != options_.group || !input) return;
    Owner& slot = owners_[StateKey{*input, owner->partition}];
    // The last record read wins: the log's order is the order the owners announced in.
    slot = Owner{owner->url, owner->instance, owner->at_ms};
    return;
  }
  const auto& token = std::get<TokenHeldRecord>(record);
  const auto input = input_of(token.topic);
  if (token.group != options_.group || !input) return;
  const StateKey key{*input, token.partition};
  auto it = tokens_.find(token.token);
  if (token.held) {
    if (it == tokens_.end()) it = tokens_.try_emplace(token.token).first;
    if (std::find(it->second.begin(), it->second.end(), key) == it->second.end()) {
      it->second.push_back(key);
    }
  } else if (it != tokens_.end()) {
    auto& keys = it->second;
    keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
    if (keys.empty()) tokens_.erase(it);
  }
  probe_.known_tokens.set(static_cast<std::int64_t>(tokens_.size()));
}

void StatsDirectory::read_loop() {
  bool announced = false;
  while (!stopping_.load()) {
    if (follower_->caught_up() && !announced) {
      caught_up_.store(true, std::memory_order_release);
      announced = true;
      spdlog::info("stats: directory {} read ({} tokens known); answering for tokens held "
                   "elsewhere",
                   options_.topic, probe_.known_tokens.get());
    }
    auto message = follower_->poll(std::chrono::milliseconds(200));
    if (!message) continue;
    auto record = parse_directory_record(message->key(), message->payload());
    if (!record) {
      probe_.ignored.add();
      continue;
    }
    probe_.read.add();
    apply(*record);
  }
}

std::vector<Location> StatsDirectory::elsewhere(const core::Address& token) const {
  std::vector<Location> out;
  if (!caught_up()) return out;  // and advertise_url_ may not be set yet
  const std::int64_t now_ms = core::now_millis().value;
  std::shared_lock lock(mutex_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return out;
  for (const StateKey key : it->second) {
    if (store_.owns(key)) continue;
    Location location{key, {}, false};
    if (auto owner = owners_.find(key); owner != owners_.end()) {
      // A record of this instance for a partition it no longer owns is history.
      if (owner->second.url == advertise_url_) continue;
      location.url = owner->second.url;
      location.fresh = now_ms - owner->second.at_ms <= options_.stale_after.count();
    }
    out.push_back(std::move(location));
  }
  return out;
}

}  // namespace tokenflow::processors
