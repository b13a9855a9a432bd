// Tells a topic's retried batches apart from real duplicates. The embedded cluster
// (librdkafka 2.0.2's mock) checks an idempotent producer's sequence numbers only for
// transactional producers, so when a broker goes down after appending a produce request but
// before its answer reaches the client, the client's retry appends the same batch again,
// right after itself. A real broker recognises that retry by its sequence number and drops
// it. A fault test on the embedded cluster therefore accepts exactly that shape (a run of
// messages on one partition repeated immediately) and nothing else: a message missing, a
// message published once appearing twice anywhere else, or an unknown message is a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace tokenflow::testing {

struct OnTopic {
  int partition = -1;
  std::int64_t offset = -1;
  std::string payload;
};

struct TopicAudit {
  std::size_t retried_batches = 0;   // runs repeated right after themselves
  std::size_t retried_messages = 0;  // the messages of those repeats
  std::string difference;            // "" when the rest is exactly what was published
};

// `records` in any order; `published` is every payload handed to the producer.
TopicAudit audit_topic(std::vector<OnTopic> records, const std::multiset<std::string>& published);

}  // namespace tokenflow::testing
