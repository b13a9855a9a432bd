// Proves the Kafka layer against a real Kafka-protocol cluster (librdkafka's mock cluster,
// in process, 3 brokers): keyed messages round-trip exactly, partitioned like the Java
// client; commits are resumed from; a rebalance listener chooses where partitions start;
// dead letters carry their headers; an out-of-range offset is loud and never reset; eager
// and cooperative rebalances hand partitions over without loss or duplicates; and the
// idempotent producer delivers every message exactly once through a leader going down and
// through injected retriable produce errors; and the brokers' connections have TCP_NODELAY.
#include <dirent.h>
#include <gtest/gtest.h>

#include <random>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kafka/admin.hpp"
#include "kafka/consumer.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/embedded_cluster.hpp"
#include "kafka/errc.hpp"
#include "kafka/producer.hpp"
#include "support/retried_batches.hpp"

namespace tokenflow::kafka {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::audit_topic;
using testing::OnTopic;

const std::string kTopic = "stablecoin-transfers";
constexpr int kPartitions = 3;
constexpr std::int16_t kProduceApiKey = 0;

// The Java client's partitioner (murmur2, positive, modulo), to check that ours matches it.
int java_partition(const std::string& key, int partitions) {
  constexpr std::uint32_t kSeed = 0x9747b28c;
  constexpr std::uint32_t kM = 0x5bd1e995;
  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const auto length = static_cast<std::uint32_t>(key.size());
  std::uint32_t h = kSeed ^ length;
  const std::uint32_t blocks = length / 4;
  for (std::uint32_t i = 0; i < blocks; ++i) {
    std::uint32_t k = static_cast<std::uint32_t>(data[i * 4]) |
                      static_cast<std::uint32_t>(data[i * 4 + 1]) << 8 |
                      static_cast<std::uint32_t>(data[i * 4 + 2]) << 16 |
                      static_cast<std::uint32_t>(data[i * 4 + 3]) << 24;
    k *= kM;
    k ^= k >> 24;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const std::uint32_t tail = blocks * 4;
  switch (length % 4) {
    case 3:
      h ^= static_cast<std::uint32_t>(data[tail + 2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<std::uint32_t>(data[tail + 1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= data[tail];
      h *= kM;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int>((h & 0x7fffffffU) % static_cast<std::uint32_t>(partitions));
}

// The ports of a bootstrap list "127.0.0.1:port,127.0.0.1:port,...".
std::set<int> ports_of(const std::string& bootstrap) {
  std::set<int> ports;
  std::size_t start = 0;
  while (start < bootstrap.size()) {
    const auto comma = bootstrap.find(',', start);
    const auto item = bootstrap.substr(start, comma == std::string::npos ? comma : comma - start);
    if (const auto colon = item.rfind(':'); colon != std::string::npos) {
      ports.insert(std::stoi(item.substr(colon + 1)));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ports;
}

// TCP_NODELAY of every connection this process accepted on one of `ports` (the brokers' side
// of the clients' connections), as fd -> value.
std::map<int, int> accepted_nodelay(const std::set<int>& ports) {
  std::map<int, int> out;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return out;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd == dirfd(dir)) continue;
    sockaddr_in local{};
    socklen_t length = sizeof(local);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0 ||
        local.sin_family != AF_INET || ports.count(ntohs(local.sin_port)) == 0) {
      continue;
    }
    int listening = 0;
    length = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) != 0 || listening) {
      continue;
    }
    int nodelay = 0;
    length = sizeof(nodelay);
    if (getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &length) == 0) out[fd] = nodelay;
  }
  closedir(dir);
  return out;
}

std::string token_key(int i) {
  // 40 hex digits, like a lower-case contract address; 50 distinct tokens.
  char buf[43];
  std::snprintf(buf, sizeof buf, "0x%040x", (i % 50) * 7919 + 1);
  return buf;
}

std::string payload_of(int i) {
  return "{\"id\":\"tx" + std::to_string(i) + "_0\",\"contract_address\":\"" + token_key(i) +
         "\",\"value\":\"" + std::to_string(i * 1000) + "\"}";
}

struct Consumed {
  std::string topic;
  int partition = -1;
  std::int64_t offset = -1;
  std::string key;
  std::string payload;
};

// Records what the group tells a consumer; optionally returns start positions and runs a
// hook on revocation (where an owner commits or drops its work).
class RecordingListener : public RebalanceListener {
 public:
  core::Positions start_at;
  std::vector<TopicPartitions> assigned;
  std::vector<TopicPartitions> revoked;
  std::function<void(const TopicPartitions&)> on_revoke_hook;

  core::Positions on_assigned(const TopicPartitions& partitions) override {
    assigned.push_back(partitions);
    core::Positions out;
    for (const auto& position : start_at) {
      for (const auto& tp : partitions) {
        if (tp.topic == position.topic && tp.partition == position.partition) {
          out.push_back(position);
        }
      }
    }
    return out;
  }
  void on_revoked(const TopicPartitions& partitions) override {
    revoked.push_back(partitions);
    if (on_revoke_hook) on_revoke_hook(partitions);
  }
  std::size_t owned() const {
    std::size_t n = 0;
    for (const auto& a : assigned) n += a.size();
    for (const auto& r : revoked) n -= std::min(n, r.size());
    return n;
  }
};

class KafkaLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = EmbeddedCluster::create(3);
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    cluster_ = std::move(cluster).value();
    ASSERT_TRUE(cluster_->create_topic(kTopic, kPartitions).ok());
  }

  // Short reconnect backoff so a broker that comes back is used within a second.
  ClientConfig config() const {
    ClientConfig config = cluster_->client_config();
    config.properties = {{"reconnect.backoff.ms", "50"}, {"reconnect.backoff.max.ms", "500"}};
    return config;
  }

  std::unique_ptr<Producer> make_producer(ProducerOptions options = {}) {
    auto producer = Producer::create(config(), std::move(options));
    EXPECT_TRUE(producer.ok()) << producer.error().message;
    return producer.ok() ? std::move(producer).value() : nullptr;
  }

  std::unique_ptr<Consumer> make_consumer(const std::string& group, RebalanceListener* listener,
                                          const std::string& strategy = "cooperative-sticky",
                                          std::vector<std::string> topics = {kTopic}) {
    ConsumerOptions options;
    options.group_id = group;
    options.topics = std::move(topics);
    options.fetch_wait_max_ms = 50;
    // The mock's group coordinator waits session timeout - 1 s for members to rejoin.
    options.session_timeout_ms = 3000;
    options.heartbeat_interval_ms = 500;
    options.partition_assignment_strategy = strategy;
    auto consumer = Consumer::create(config(), std::move(options), listener);
    EXPECT_TRUE(consumer.ok()) << consumer.error().message;
    return consumer.ok() ? std::move(consumer).value() : nullptr;
  }

  // Polls until `expected` messages arrived or `deadline` passed; then keeps polling for
  // `quiet` to catch any message beyond the expected ones (a duplicate would show here).
  static std::vector<Consumed> consume(Consumer& consumer, std::size_t expected,
                                       std::chrono::milliseconds deadline,
                                       std::chrono::milliseconds quiet = 300ms) {
    std::vector<Consumed> out;
    const auto until = Clock::now() + deadline;
    auto quiet_until = Clock::time_point::max();
    while (Clock::now() < std::min(until, quiet_until)) {
      auto message = consumer.poll(50ms);
      if (message && !message->is_error()) {
        out.push_back({std::string(message->topic()), message->partition().value,
                       message->offset().value, std::string(message->key()),
                       std::string(message->payload())});
      }
      if (out.size() >= expected && quiet_until == Clock::time_point::max()) {
        quiet_until = Clock::now() + quiet;
      }
    }
    return out;
  }

  std::int64_t messages_on_topic(const std::string& topic, int partitions) {
    auto admin = Admin::create(config());
    EXPECT_TRUE(admin.ok());
    std::int64_t total = 0;
    for (int p = 0; p < partitions; ++p) {
      auto marks = (*admin)->watermarks(topic, core::Partition{p});
      EXPECT_TRUE(marks.ok()) << marks.error().message;
      if (marks.ok()) total += marks->high.value - marks->low.value;
    }
    return total;
  }

  // Reads the whole topic with a fresh group and checks every payload 0..n-1 is there once.
  void expect_exactly_once(int n) {
    EXPECT_EQ(messages_on_topic(kTopic, kPartitions), n);
    auto consumer = make_consumer("verify-" + std::to_string(n), nullptr);
    ASSERT_NE(consumer, nullptr);
    const auto got = consume(*consumer, static_cast<std::size_t>(n), 15s);
    std::map<std::string, int> seen;
    for (const auto& m : got) ++seen[m.payload];
    int duplicates = 0;
    for (const auto& [payload, count] : seen) duplicates += count - 1;
    EXPECT_EQ(got.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(duplicates, 0);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(seen.count(payload_of(i)), 1u) << "message " << i << " missing";
      if (seen.count(payload_of(i)) != 1) break;
    }
  }

  // The same where a broker went down mid-stream: the topic may also hold batches the
  // embedded cluster appended twice (support/retried_batches.hpp), and nothing else.
  void expect_exactly_once_but_retried_batches(int n) {
    auto consumer = make_consumer("verify-" + std::to_string(n), nullptr);
    ASSERT_NE(consumer, nullptr);
    const auto got = consume(*consumer, static_cast<std::size_t>(n), 15s);
    std::vector<OnTopic> on_topic;
    for (const auto& m : got) on_topic.push_back({m.partition, m.offset, m.payload});
    std::multiset<std::string> published;
    for (int i = 0; i < n; ++i) published.insert(payload_of(i));
    const auto audit = audit_topic(std::move(on_topic), published);
    EXPECT_EQ(audit.difference, "");
    EXPECT_LE(audit.retried_batches, 1u) << "one connection cut, one request in flight at most";
  }

  std::unique_ptr<EmbeddedCluster> cluster_;
};

TEST_F(KafkaLayerTest, TenThousandKeyedMessagesRoundTripExactlyAndPartitionLikeJava) {
  constexpr int kCount = 10'000;
  std::map<std::string, std::set<int>> delivered_partitions;  // key -> partitions
  std::set<std::uint64_t> delivered_tags;
  ProducerOptions options;
  options.on_delivery = [&](const DeliveryReport& report) {
    ASSERT_TRUE(report.ok()) << report.error->message;
    delivered_partitions[std::string(report.key)].insert(report.partition.value);
    delivered_tags.insert(report.tag);
  };
  auto producer = make_producer(std::move(options));
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(
        producer->produce(kTopic, token_key(i), payload_of(i), {}, static_cast<std::uint64_t>(i))
            .ok());
  }
  ASSERT_TRUE(producer->flush(15s).ok());
  EXPECT_EQ(producer->probe().produced.get(), static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(producer->probe().delivered.get(), static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(producer->probe().failed.get(), 0u);
  EXPECT_EQ(delivered_tags.size(), static_cast<std::size_t>(kCount));

  RecordingListener listener;
  auto consumer = make_consumer("round-trip", &listener);
  ASSERT_NE(consumer, nullptr);
  const auto got = consume(*consumer, kCount, 15s);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));

  std::map<std::string, std::set<int>> consumed_partitions;
  std::set<std::string> payloads;
  std::map<int, std::int64_t> last_offset;
  for (const auto& m : got) {
    EXPECT_EQ(m.topic, kTopic);
    consumed_partitions[m.key].insert(m.partition);
    payloads.insert(m.payload);
    // Offsets within a partition come in order, without gaps.
    auto [it, first] = last_offset.try_emplace(m.partition, m.offset);
    if (!first) {
      EXPECT_EQ(m.offset, it->second + 1);
      it->second = m.offset;
    }
  }
  EXPECT_EQ(payloads.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(payloads.count(payload_of(i)), 1u) << i;
  EXPECT_EQ(consumed_partitions.size(), 50u);
  for (const auto& [key, partitions] : consumed_partitions) {
    ASSERT_EQ(partitions.size(), 1u) << key << " spread over partitions";
    EXPECT_EQ(*partitions.begin(), java_partition(key, kPartitions)) << key;
    EXPECT_EQ(delivered_partitions[key], partitions) << key;
  }
  EXPECT_EQ(consumer->probe().messages.get(), static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(listener.owned(), static_cast<std::size_t>(kPartitions));
  auto assignment = consumer->assignment();
  ASSERT_TRUE(assignment.ok());
  EXPECT_EQ(assignment->size(), static_cast<std::size_t>(kPartitions));
  EXPECT_TRUE(consumer->close().ok());
  EXPECT_EQ(listener.owned(), 0u) << "close() revokes through the listener";
}

TEST_F(KafkaLayerTest, ANewConsumerResumesAfterTheCommittedOffsetsAndLagSeesThem) {
  constexpr int kCount = 600;
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(producer->produce(kTopic, token_key(i), payload_of(i)).ok());
  }
  ASSERT_TRUE(producer->flush(10s).ok());

  // The first member reads everything but commits only the first 50 of each partition.
  std::map<int, std::int64_t> size_of;
  {
    auto first = make_consumer("resume", nullptr);
    ASSERT_NE(first, nullptr);
    const auto got = consume(*first, kCount, 15s);
    ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
    for (const auto& m : got) size_of[m.partition] = std::max(size_of[m.partition], m.offset + 1);
    core::Positions positions;
    for (int p = 0; p < kPartitions; ++p) {
      positions.push_back({kTopic, core::Partition{p}, core::Offset{50}});
    }
    auto committed = first->commit(positions, /*async=*/false);
    ASSERT_TRUE(committed.ok()) << committed.error().message;
    EXPECT_EQ(first->probe().commits.get(), 1u);
    auto read_back =
        first->committed({{kTopic, core::Partition{0}}, {kTopic, core::Partition{1}}}, 5s);
    ASSERT_TRUE(read_back.ok()) << read_back.error().message;
    ASSERT_EQ(read_back->size(), 2u);
    EXPECT_EQ(read_back->front().next_offset.value, 50);
    ASSERT_TRUE(first->close().ok());
  }

  auto admin = Admin::create(config());
  ASSERT_TRUE(admin.ok());
  auto lag = (*admin)->lag("resume", kTopic);
  ASSERT_TRUE(lag.ok()) << lag.error().message;
  ASSERT_EQ(lag->size(), static_cast<std::size_t>(kPartitions));
  std::int64_t total_lag = 0;
  for (const auto& entry : *lag) {
    ASSERT_TRUE(entry.committed.has_value());
    EXPECT_EQ(entry.committed->value, 50);
    EXPECT_EQ(entry.watermarks.high.value, size_of[entry.partition.value]);
    EXPECT_FALSE(entry.committed_out_of_range);
    total_lag += entry.lag;
  }
  EXPECT_EQ(total_lag, kCount - 3 * 50);
  auto count = (*admin)->partition_count(kTopic);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, kPartitions);

  // A new member of the group starts exactly where the group left off.
  auto second = make_consumer("resume", nullptr);
  ASSERT_NE(second, nullptr);
  const auto got = consume(*second, kCount - 150, 15s);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount - 150));
  std::map<int, std::int64_t> first_offset;
  for (const auto& m : got) first_offset.try_emplace(m.partition, m.offset);
  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(first_offset[p], 50) << "partition " << p;

  // Async commits are counted when their answer is served by poll().
  ASSERT_TRUE(second
                  ->commit({{kTopic, core::Partition{0}, core::Offset{size_of[0]}}},
                           /*async=*/true)
                  .ok());
  const auto until = Clock::now() + 5s;
  while (second->probe().commits.get() == 0 && Clock::now() < until) (void)second->poll(50ms);
  EXPECT_EQ(second->probe().commits.get(), 1u);
  EXPECT_EQ(second->probe().commit_failures.get(), 0u);
}

TEST_F(KafkaLayerTest, EnsureTopicIsBoundedWhereCreateTopicsIsUnsupported) {
  // The mock has no CreateTopics (it names no controller): the call must say so without
  // waiting for its timeout.
  const auto started = Clock::now();
  auto ensured = ensure_topic(config(), "defi.swaps", 6, 1, 20s);
  const auto took = Clock::now() - started;
  ASSERT_FALSE(ensured.ok());
  EXPECT_EQ(ensured.error().code, make_error_code(errc::not_supported)) << ensured.error().message;
  EXPECT_NE(ensured.error().message.find("defi.swaps"), std::string::npos);
  EXPECT_LT(took, 10s);  // well under the 20 s asked, even under sanitizers
}

TEST_F(KafkaLayerTest, ListenerOffsetsChooseWhereConsumptionStarts) {
  constexpr int kCount = 600;
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(
        producer->produce(kTopic, core::Partition{i % kPartitions}, token_key(i), payload_of(i))
            .ok());
  }
  ASSERT_TRUE(producer->flush(10s).ok());

  // Partition 0 resumes at 70 (as a sink's positions table would say), partition 2 at 150;
  // partition 1 has no stored position and no commit: earliest.
  RecordingListener listener;
  listener.start_at = {{kTopic, core::Partition{0}, core::Offset{70}},
                       {kTopic, core::Partition{2}, core::Offset{150}}};
  auto consumer = make_consumer("listener", &listener);
  ASSERT_NE(consumer, nullptr);
  const std::size_t expected = (200 - 70) + 200 + (200 - 150);
  const auto got = consume(*consumer, expected, 15s);
  ASSERT_EQ(got.size(), expected);
  std::map<int, std::int64_t> first_offset;
  std::map<int, int> count;
  for (const auto& m : got) {
    first_offset.try_emplace(m.partition, m.offset);
    ++count[m.partition];
  }
  EXPECT_EQ(first_offset[0], 70);
  EXPECT_EQ(first_offset[1], 0);
  EXPECT_EQ(first_offset[2], 150);
  EXPECT_EQ(count[0], 130);
  EXPECT_EQ(count[1], 200);
  EXPECT_EQ(count[2], 50);
  ASSERT_FALSE(listener.assigned.empty());
  EXPECT_EQ(listener.assigned.front().size(), static_cast<std::size_t>(kPartitions));
}

// kStartAsNew: an owner that stored nothing of a partition starts it from the reset policy
// even though the group committed an offset for it (which may be ahead of what the owner's
// database kept after a crash).
TEST_F(KafkaLayerTest, StartAsNewIgnoresTheGroupsCommittedOffset) {
  constexpr int kCount = 300;
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(
        producer->produce(kTopic, core::Partition{i % kPartitions}, token_key(i), payload_of(i))
            .ok());
  }
  ASSERT_TRUE(producer->flush(10s).ok());
  {
    auto first = make_consumer("start-as-new", nullptr);
    ASSERT_NE(first, nullptr);
    ASSERT_EQ(consume(*first, kCount, 15s).size(), static_cast<std::size_t>(kCount));
    core::Positions positions;
    for (int p = 0; p < kPartitions; ++p) {
      positions.push_back({kTopic, core::Partition{p}, core::Offset{60}});
    }
    ASSERT_TRUE(first->commit(positions, /*async=*/false).ok());
    ASSERT_TRUE(first->close().ok());
  }
  // Partition 0 as new (from 0, earliest), the others from the group's offset 60.
  RecordingListener listener;
  listener.start_at = {{kTopic, core::Partition{0}, core::Offset{RebalanceListener::kStartAsNew}}};
  auto consumer = make_consumer("start-as-new", &listener);
  ASSERT_NE(consumer, nullptr);
  const std::size_t expected = 100 + 2 * (100 - 60);
  const auto got = consume(*consumer, expected, 15s);
  ASSERT_EQ(got.size(), expected);
  std::map<int, std::int64_t> first_offset;
  for (const auto& m : got) first_offset.try_emplace(m.partition, m.offset);
  EXPECT_EQ(first_offset[0], 0);
  EXPECT_EQ(first_offset[1], 60);
  EXPECT_EQ(first_offset[2], 60);
}

TEST_F(KafkaLayerTest, DeadLettersCarryTheOriginalBytesAndTheirHeaders) {
  ASSERT_TRUE(cluster_->create_topic(std::string(kDeadLetterTopic), 1).ok());
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  DeadLetterPublisher dead_letters(*producer);
  const std::string bad = "{\"id\":\"tx1_0\",\"value\":-5}";
  ASSERT_TRUE(dead_letters
                  .publish(bad, "0xabc", kTopic, core::Partition{2}, core::Offset{1534},
                           "invalid_value", "value '-5' is not an unsigned integer")
                  .ok());
  // A file replay has no Kafka position: partition -1 and the line number.
  ASSERT_TRUE(dead_letters
                  .publish("not json", "", "file:transfers.ndjson", core::Partition{-1},
                           core::Offset{17}, "not_an_object", "not a JSON object")
                  .ok());
  ASSERT_TRUE(producer->flush(10s).ok());
  EXPECT_EQ(dead_letters.published(), 2u);
  EXPECT_EQ(dead_letters.probe().by_kind.snapshot(),
            (std::map<std::string, std::uint64_t>{{"invalid_value", 1}, {"not_an_object", 1}}));
  EXPECT_EQ(producer->probe().delivered.get(), 2u);

  auto consumer =
      make_consumer("dlq-reader", nullptr, "cooperative-sticky", {std::string(kDeadLetterTopic)});
  ASSERT_NE(consumer, nullptr);
  std::vector<Message> messages;
  const auto until = Clock::now() + 15s;
  while (messages.size() < 2 && Clock::now() < until) {
    if (auto m = consumer->poll(50ms); m && !m->is_error()) messages.push_back(std::move(*m));
  }
  ASSERT_EQ(messages.size(), 2u);

  auto header = [](const Message& m, const char* name) -> std::string {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m.raw(), &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return "<none>";
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return "<missing>";
    }
    return std::string(static_cast<const char*>(value), size);
  };
  const Message& first = messages[0];
  EXPECT_EQ(first.payload(), bad);
  EXPECT_EQ(first.key(), "0xabc");
  EXPECT_EQ(header(first, "tokenflow.reason"), "value '-5' is not an unsigned integer");
  EXPECT_EQ(header(first, "tokenflow.source.topic"), kTopic);
  EXPECT_EQ(header(first, "tokenflow.source.partition"), "2");
  EXPECT_EQ(header(first, "tokenflow.source.offset"), "1534");
  EXPECT_EQ(first.header("tokenflow.source.offset"), "1534");  // the accessor agrees

  const Message& second = messages[1];
  EXPECT_EQ(second.payload(), "not json");
  EXPECT_EQ(second.key(), "");
  EXPECT_EQ(header(second, "tokenflow.source.topic"), "file:transfers.ndjson");
  EXPECT_EQ(header(second, "tokenflow.source.partition"), "-1");
  EXPECT_EQ(header(second, "tokenflow.source.offset"), "17");
  EXPECT_TRUE(first.timestamp_ms().has_value());
}

TEST_F(KafkaLayerTest, AnOffsetOutOfRangeIsLoudAndNeverResetPastData) {
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        producer->produce(kTopic, core::Partition{i % kPartitions}, token_key(i), payload_of(i))
            .ok());
  }
  ASSERT_TRUE(producer->flush(10s).ok());

  // Partition 1 is asked to start far beyond its log (as after a retention purge the
  // stored offset would be before it): librdkafka must not skip to either end.
  RecordingListener listener;
  listener.start_at = {{kTopic, core::Partition{1}, core::Offset{1000}}};
  auto consumer = make_consumer("out-of-range", &listener);
  ASSERT_NE(consumer, nullptr);
  std::map<int, int> count;
  std::optional<core::Error> error;
  std::string described;
  const auto until = Clock::now() + 15s;
  while (Clock::now() < until && (!error || count[0] + count[2] < 20)) {
    auto m = consumer->poll(50ms);
    if (!m) continue;
    if (m->is_error()) {
      error = m->error();
      described = m->describe();
    } else {
      ++count[m->partition().value];
    }
  }
  ASSERT_TRUE(error.has_value()) << "no out-of-range error surfaced";
  EXPECT_EQ(error->code, make_error_code(errc::offset_out_of_range)) << error->message;
  EXPECT_EQ(described, kTopic + "[1]@1000");
  EXPECT_GE(consumer->probe().offset_out_of_range.get(), 1u);
  // Keep polling a while: partition 1 stays stopped, nothing of it is delivered.
  const auto more = consume(*consumer, 1'000'000, 1s, 0ms);
  for (const auto& m : more) ++count[m.partition];
  EXPECT_EQ(count[0], 10);
  EXPECT_EQ(count[1], 0);
  EXPECT_EQ(count[2], 10);
}

TEST_F(KafkaLayerTest, FlushSaysHowManyMessagesAreLeftWhenNoBrokerAnswers) {
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  ASSERT_TRUE(producer->produce(kTopic, "k", "warm-up").ok());  // learn the leaders
  ASSERT_TRUE(producer->flush(10s).ok());
  for (int b = 1; b <= 3; ++b) ASSERT_TRUE(cluster_->broker_down(b).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(producer->produce(kTopic, "k", payload_of(i)).ok());
  auto flushed = producer->flush(300ms);
  ASSERT_FALSE(flushed.ok());
  EXPECT_EQ(flushed.error().code, make_error_code(errc::timed_out));
  EXPECT_NE(flushed.error().message.find("10 message(s) still undelivered"), std::string::npos)
      << flushed.error().message;
  for (int b = 1; b <= 3; ++b) ASSERT_TRUE(cluster_->broker_up(b).ok());
  auto retried = producer->flush(15s);
  EXPECT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(producer->probe().delivered.get(), 11u);
  EXPECT_EQ(producer->probe().failed.get(), 0u);
}

TEST_F(KafkaLayerTest, IdempotentProducerDeliversExactlyOnceThroughALeaderGoingDown) {
  // Pin leaders so the broker taken down leads partition 1 (and only it).
  for (int p = 0; p < kPartitions; ++p) {
    ASSERT_TRUE(cluster_->set_partition_leader(kTopic, core::Partition{p}, p + 1).ok());
  }
  constexpr int kCount = 6000;
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  int i = 0;
  for (; i < 2000; ++i) ASSERT_TRUE(producer->produce(kTopic, token_key(i), payload_of(i)).ok());
  ASSERT_TRUE(cluster_->broker_down(2).ok());
  // Keep producing while the leader is away (messages for partition 1 wait and retry).
  for (; i < 4000; ++i) {
    ASSERT_TRUE(producer->produce(kTopic, token_key(i), payload_of(i)).ok());
    if (i % 200 == 0) std::this_thread::sleep_for(100ms);
  }
  producer->poll(200ms);
  EXPECT_GT(producer->in_flight(), 0) << "partition 1's messages should be waiting for broker 2";
  ASSERT_TRUE(cluster_->broker_up(2).ok());
  for (; i < kCount; ++i) ASSERT_TRUE(producer->produce(kTopic, token_key(i), payload_of(i)).ok());
  auto flushed = producer->flush(20s);
  ASSERT_TRUE(flushed.ok()) << flushed.error().message;
  EXPECT_EQ(producer->probe().delivered.get(), static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(producer->probe().failed.get(), 0u);
  EXPECT_FALSE(producer->fatal_error().has_value());
  expect_exactly_once_but_retried_batches(kCount);
}

// Without TCP_NODELAY on the brokers' side, a producer that flushes requests to several
// partitions of one broker waited ~43 ms (Nagle against the client's delayed ACK) for every
// answer but the first (EmbeddedCluster::create).
TEST_F(KafkaLayerTest, TheBrokersSideOfEveryConnectionHasNoDelay) {
  for (int p = 0; p < kPartitions; ++p) {  // every broker leads a partition, so all are used
    ASSERT_TRUE(cluster_->set_partition_leader(kTopic, core::Partition{p}, p + 1).ok());
  }
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(producer->produce(kTopic, token_key(i), payload_of(i)).ok());
  }
  ASSERT_TRUE(producer->flush(10s).ok());
  const auto accepted = accepted_nodelay(ports_of(cluster_->bootstrap_servers()));
  EXPECT_GE(accepted.size(), 3u) << "expected a connection to each of the 3 brokers";
  for (const auto& [fd, nodelay] : accepted) {
    EXPECT_EQ(nodelay, 1) << "broker-side socket " << fd << " has Nagle on";
  }
}

TEST_F(KafkaLayerTest, RetriableProduceErrorsStillDeliverExactlyOnce) {
  constexpr int kCount = 3000;
  for (int p = 0; p < kPartitions; ++p) {  // every broker leads a partition
    ASSERT_TRUE(cluster_->set_partition_leader(kTopic, core::Partition{p}, p + 1).ok());
  }
  // Cluster-wide: the next produce requests fail, whichever broker gets them.
  cluster_->push_request_errors(
      kProduceApiKey,
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
       RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
       RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND});
  // Per broker too, so the test can prove the errors were hit.
  for (int b = 1; b <= 3; ++b) {
    ASSERT_TRUE(cluster_
                    ->push_broker_request_errors(b, kProduceApiKey,
                                                 {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                                  RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION},
                                                 20ms)
                    .ok());
  }
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(producer->produce(kTopic, token_key(i), payload_of(i)).ok());
  }
  auto flushed = producer->flush(20s);
  ASSERT_TRUE(flushed.ok()) << flushed.error().message;
  for (int b = 1; b <= 3; ++b) {
    auto left = cluster_->request_errors_left(b, kProduceApiKey);
    ASSERT_TRUE(left.ok());
    EXPECT_EQ(*left, 0u) << "broker " << b << " did not see its injected errors";
  }
  EXPECT_EQ(producer->probe().delivered.get(), static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(producer->probe().failed.get(), 0u);
  EXPECT_FALSE(producer->fatal_error().has_value());
  expect_exactly_once(kCount);
}

// Two members of one group, polled from this thread in turn. The first reads alone,
// committing each message it processes; the second joins; partitions move and the second
// continues exactly at the committed offsets: no message lost, none read twice.
class RebalanceTest : public KafkaLayerTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RebalanceTest, PartitionsMoveToANewMemberWithoutLossOrDuplicates) {
  const std::string strategy = GetParam();
  const bool cooperative = strategy == "cooperative-sticky";
  constexpr int kCount = 900;
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(
        producer->produce(kTopic, core::Partition{i % kPartitions}, token_key(i), payload_of(i))
            .ok());
  }
  ASSERT_TRUE(producer->flush(10s).ok());

  std::map<std::string, int> seen;  // payload -> times processed
  RecordingListener a_listener;
  RecordingListener b_listener;
  auto a = make_consumer("rebalance", &a_listener, strategy);
  ASSERT_NE(a, nullptr);
  int processed = 0;
  // Each message is committed as it is processed (a sink commits with its batch), so a
  // revocation finds no uncommitted work to drop.
  auto process = [&](Consumer& consumer, const Message& m) {
    ++seen[std::string(m.payload())];
    auto committed = consumer.commit({m.next_position()}, /*async=*/false);
    EXPECT_TRUE(committed.ok()) << committed.error().message;
    ++processed;
  };

  // a reads a third of the messages alone, one at a time (as a slow sink would).
  const auto until = Clock::now() + 15s;
  while (processed < kCount / 3 && Clock::now() < until) {
    auto m = a->poll(50ms);
    if (m && !m->is_error()) process(*a, *m);
  }
  ASSERT_EQ(processed, kCount / 3);

  // Pause a's partitions so that it does not simply finish the topic before b joins.
  auto a_assignment = a->assignment();
  ASSERT_TRUE(a_assignment.ok());
  ASSERT_EQ(a_assignment->size(), static_cast<std::size_t>(kPartitions));
  ASSERT_TRUE(a->pause(*a_assignment).ok());

  auto b = make_consumer("rebalance", &b_listener, strategy);
  ASSERT_NE(b, nullptr);
  bool resumed = false;
  while (Clock::now() < until && processed < kCount) {
    bool idle = true;
    for (auto* consumer : {a.get(), b.get()}) {
      auto m = consumer->poll(0ms);
      if (m && !m->is_error()) {
        process(*consumer, *m);
        idle = false;
      }
    }
    if (idle) std::this_thread::sleep_for(5ms);
    // Once the partitions are shared out, let a continue with what it kept (a partition
    // paused by the application stays paused through a rebalance).
    if (!resumed && b_listener.owned() > 0 &&
        a_listener.owned() + b_listener.owned() == static_cast<std::size_t>(kPartitions)) {
      auto kept = a->assignment();
      ASSERT_TRUE(kept.ok());
      ASSERT_TRUE(a->resume(*kept).ok());
      resumed = true;
    }
  }
  // Catch anything read twice.
  const auto tail_until = Clock::now() + 500ms;
  while (Clock::now() < tail_until) {
    for (auto* consumer : {a.get(), b.get()}) {
      if (auto m = consumer->poll(20ms); m && !m->is_error()) ++seen[std::string(m->payload())];
    }
  }

  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kCount)) << "messages lost";
  int duplicates = 0;
  for (const auto& [payload, times] : seen) duplicates += times - 1;
  EXPECT_EQ(duplicates, 0);
  EXPECT_GT(b_listener.owned(), 0u);
  EXPECT_GT(a_listener.owned(), 0u);
  EXPECT_EQ(a_listener.owned() + b_listener.owned(), static_cast<std::size_t>(kPartitions));
  ASSERT_FALSE(a_listener.revoked.empty());
  if (cooperative) {
    // Only the partitions that moved were revoked; a kept the rest throughout.
    EXPECT_LT(a_listener.revoked.front().size(), static_cast<std::size_t>(kPartitions));
  } else {
    // Eager: everything is revoked, then reassigned.
    EXPECT_EQ(a_listener.revoked.front().size(), static_cast<std::size_t>(kPartitions));
  }
  EXPECT_GE(a->probe().rebalances.get(), 2u);
  EXPECT_EQ(a->probe().assigned_partitions.get() + b->probe().assigned_partitions.get(),
            kPartitions);
  ASSERT_TRUE(b->close().ok());
  ASSERT_TRUE(a->close().ok());
}

INSTANTIATE_TEST_SUITE_P(Protocols, RebalanceTest, ::testing::Values("cooperative-sticky", "range"),
                         [](const auto& param_info) {
                           return std::string(param_info.param) == "range" ? "Eager"
                                                                           : "Cooperative";
                         });


// Retention deleted the start of a partition: a new group (earliest) and a group whose
// committed offset is below the log start both say how many messages they lost, and count it.
TEST_F(KafkaLayerTest, MessagesDeletedBeforeTheyWereReadAreReportedAndCounted) {
  const std::string topic = "retention-lost";
  ASSERT_TRUE(cluster_->create_topic(topic, 1).ok());
  auto producer = make_producer();
  ASSERT_NE(producer, nullptr);
  // A group commits near the start, then the log grows past the embedded cluster's 5 MiB.
  // Random bytes, new for each message: the producer compresses its batches, and repeats
  // would compress to nothing.
  std::string chunk(600, '\0');
  std::mt19937 random_bytes(7);
  auto refill = [&] {
    for (auto& c : chunk) c = static_cast<char>(random_bytes());
  };
  refill();
  ASSERT_TRUE(producer->produce(topic, "k", chunk).ok());
  ASSERT_TRUE(producer->flush(10s).ok());
  {
    auto early = make_consumer("committed-early", nullptr, "cooperative-sticky", {topic});
    ASSERT_NE(early, nullptr);
    ASSERT_EQ(consume(*early, 1, 15s).size(), 1u);
    ASSERT_TRUE(early->commit({{topic, core::Partition{0}, core::Offset{1}}}, false).ok());
  }
  for (int i = 0; i < 20000; ++i) {
    refill();
    ASSERT_TRUE(producer->produce(topic, "k", chunk).ok());
  }
  ASSERT_TRUE(producer->flush(30s).ok());
  auto admin = Admin::create(config());
  ASSERT_TRUE(admin.ok());
  auto marks = (*admin)->watermarks(topic, core::Partition{0});
  ASSERT_TRUE(marks.ok());
  const std::int64_t log_start = marks->low.value;
  ASSERT_GT(log_start, 1) << "the cluster kept everything: nothing to detect";
  // The batched request (the dashboard's and lag's) agrees with the one-partition request,
  // in the order asked, across topics.
  ASSERT_TRUE(producer->produce(kTopic, token_key(1), payload_of(1)).ok());
  ASSERT_TRUE(producer->flush(10s).ok());
  const TopicPartitions asked = {{kTopic, core::Partition{2}}, {topic, core::Partition{0}},
                                 {kTopic, core::Partition{0}}, {kTopic, core::Partition{1}}};
  auto batched = (*admin)->watermarks(asked);
  ASSERT_TRUE(batched.ok()) << batched.error().message;
  ASSERT_EQ(batched->size(), asked.size());
  std::int64_t messages_in_the_other_topic = 0;
  for (std::size_t i = 0; i < asked.size(); ++i) {
    auto single = (*admin)->watermarks(asked[i].topic, asked[i].partition);
    ASSERT_TRUE(single.ok());
    EXPECT_EQ((*batched)[i].low.value, single->low.value) << to_string(asked[i]);
    EXPECT_EQ((*batched)[i].high.value, single->high.value) << to_string(asked[i]);
    if (asked[i].topic == kTopic) messages_in_the_other_topic += (*batched)[i].high.value;
  }
  EXPECT_EQ((*batched)[1].low.value, log_start);
  EXPECT_EQ(messages_in_the_other_topic, 1);

  auto fresh = make_consumer("new-group", nullptr, "cooperative-sticky", {topic});
  ASSERT_NE(fresh, nullptr);
  (void)consume(*fresh, 2, 10s, 0ms);
  EXPECT_EQ(fresh->probe().messages_lost.get(), static_cast<std::uint64_t>(log_start));

  auto behind = make_consumer("committed-early", nullptr, "cooperative-sticky", {topic});
  ASSERT_NE(behind, nullptr);
  const auto got = consume(*behind, 1, 4s, 0ms);
  EXPECT_TRUE(got.empty()) << "a partition whose data is gone stops instead of skipping";
  EXPECT_EQ(behind->probe().messages_lost.get(), static_cast<std::uint64_t>(log_start - 1));
  EXPECT_GE(behind->probe().offset_out_of_range.get(), 1u);
}

}  // namespace
}  // namespace tokenflow::kafka
