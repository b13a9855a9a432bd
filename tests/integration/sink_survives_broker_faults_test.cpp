// Proves that Kafka faults while transfers stream (partition leaders going down and coming
// back, produce requests failing with retriable errors) lose nothing and double nothing,
// from the producer through the topic to the database: the topic holds every transfer once
// (read back with a fresh group) and PostgreSQL has exactly the transfers published.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codec/transfer_decoder.hpp"
#include "codec/transfer_encoder.hpp"
#include "support/pipeline_harness.hpp"
#include "support/retried_batches.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::int16_t kProduceApiKey = 0;

TEST(SinkSurvivesBrokerFaults, LeadersDownAndProduceErrorsLoseNothingAndDoubleNothing) {
  constexpr std::int64_t kCount = 20'000;
  Pipeline pipeline;
  auto& cluster = pipeline.cluster();
  // Pin leaders so that each broker leads a known third of the partitions.
  for (int p = 0; p < kPipelinePartitions; ++p) {
    ASSERT_TRUE(cluster.set_partition_leader(kPipelineTopic, core::Partition{p}, p % 3 + 1).ok());
  }
  const auto transfers = make_transfers(static_cast<std::size_t>(kCount), 31);
  const auto file = pipeline.path("transfers.ndjson");
  write_ndjson(file, transfers);
  std::multiset<std::string> published;
  for (const auto& t : transfers) published.insert(codec::encode_transfer(t));

  const auto started = Clock::now();
  auto sink = pipeline.start_sink();
  // The producer's 20 s of input start once the sink owns its partitions: on loaded
  // machines the embedded coordinator's first join has taken up to 20 s.
  ASSERT_TRUE(sink->wait_for_output(" assigned ", 90s)) << tail_of(*sink);
  // One produce request in flight per connection: with more, librdkafka 2.0.2's mock
  // cluster loses messages under injected produce errors (it appends the next in-flight
  // batch of a partition while the one before it fails, then answers that one's retry with
  // DUPLICATE_SEQUENCE_NUMBER, which the client takes as delivered, at offset -1001). A real
  // broker rejects the later batch as out of order instead, so nothing is lost there.
  auto producer = pipeline.start_file_producer(
      file, {"--rate", "1000", "-X", "max.in.flight.requests.per.connection=1"});
  // The faults start once the sink stores rows (the producer has 20 s of input).
  ASSERT_GE(pipeline.wait_for_rows(1, 60s, sink.get()), 1) << tail_of(*sink);

  // Retriable produce errors, cluster-wide and on each broker (where the test can check
  // that they were hit).
  cluster.push_request_errors(
      kProduceApiKey,
      {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
       RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
       RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND});
  for (int b = 1; b <= 3; ++b) {
    ASSERT_TRUE(cluster
                    .push_broker_request_errors(b, kProduceApiKey,
                                                {RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                                 RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                                 RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE},
                                                20ms)
                    .ok());
  }

  // Broker 1 (leader of partitions 0, 3, 6, 9) goes away for a while, then broker 2.
  for (std::int32_t broker : {1, 2}) {
    const auto before = pipeline.row_count().value_or(0);
    ASSERT_TRUE(producer->running())
        << "the producer finished before broker " << broker << " went down; slow it down:\n"
        << tail_of(*producer);
    ASSERT_TRUE(cluster.broker_down(broker).ok());
    std::this_thread::sleep_for(2500ms);
    ASSERT_TRUE(cluster.broker_up(broker).ok());
    // The stream goes on once it is back.
    ASSERT_GT(pipeline.wait_for_rows(before + 1, 60s, sink.get()), before) << tail_of(*sink);
    cluster.push_request_errors(kProduceApiKey, {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                                 RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT});
  }

  ASSERT_EQ(producer->wait(120s), 0) << tail_of(*producer);
  for (int b = 1; b <= 3; ++b) {
    auto left = cluster.request_errors_left(b, kProduceApiKey);
    ASSERT_TRUE(left.ok());
    EXPECT_EQ(*left, 0u) << "broker " << b << " did not see its injected produce errors";
  }
  EXPECT_EQ(pipeline.wait_for_rows(kCount, 120s, sink.get()), kCount) << tail_of(*sink);
  ASSERT_TRUE(sink->running()) << tail_of(*sink);

  // The database: exactly the transfers published, every column as published.
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");

  // The topic: every transfer once, read back from the start by a fresh group, apart from
  // batches the embedded cluster appended twice because a broker went down before its answer
  // left (support/retried_batches.hpp: a real broker drops such a retry, the mock cannot).
  const auto records = pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s);
  std::vector<OnTopic> on_topic;
  for (const auto& r : records) on_topic.push_back({r.partition, r.offset, r.payload});
  const auto audit = audit_topic(std::move(on_topic), published);
  EXPECT_EQ(audit.difference, "");
  // At most one request in flight per connection, so each outage cuts off at most one batch
  // of each partition the broker leads.
  EXPECT_LE(audit.retried_batches, static_cast<std::size_t>(2 * kPipelinePartitions / 3))
      << "more retried batches than the outages can explain";
  // And the sink stands at the end of every partition.
  const auto positions = pipeline.stored_positions();
  EXPECT_EQ(positions, pipeline.non_empty_end_offsets());
  // Where on the topic the transfers the database lacks are, to tell a lost message from a
  // skipped one.
  const auto stored = pipeline.stored_rows();
  codec::TransferDecoder decoder;
  core::Transfer transfer;
  std::size_t shown = 0;
  for (const auto& r : records) {
    if (!decoder.decode(r.payload, transfer).ok()) continue;
    if (stored.contains(transfer.id.value) || shown++ >= 20) continue;
    ADD_FAILURE() << "not stored: " << transfer.id.value << " at " << kPipelineTopic << "["
                  << r.partition << "]@" << r.offset << " (stored position of the partition: "
                  << (positions.contains(r.partition) ? positions.at(r.partition) : -1) << ")";
  }

  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  std::printf(
      "%lld transfers exactly once through two leaders down and injected produce errors "
      "in %.1f s (%zu batch(es) of %zu message(s) appended twice by the embedded cluster)\n",
      static_cast<long long>(kCount),
      std::chrono::duration<double>(Clock::now() - started).count(), audit.retried_batches,
      audit.retried_messages);
}

}  // namespace
}  // namespace tokenflow::testing
