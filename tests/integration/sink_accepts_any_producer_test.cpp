// Proves that `tokenflow sink postgres` stores what any producer publishes, not only
// tokenflow's own: transfers published by kcat (librdkafka's default partitioner,
// consistent_random, which puts tokens elsewhere than tokenflow's murmur2, and gzip-compressed
// batches) land exactly once, every column as published, each message read once, with the
// offsets beside them at the end of every partition.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

TEST(SinkAcceptsAnyProducer, TransfersFromKcatWithGzipAreStoredOnceAsPublished) {
  constexpr std::size_t kCount = 6'000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kCount, 71);
  pipeline.produce_with_kcat(keyed_messages(transfers), kPipelineTopic, "gzip");

  // kcat published each transfer once, and not where tokenflow's producer would have.
  const auto on_topic = pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s);
  ASSERT_EQ(on_topic.size(), kCount);
  std::size_t elsewhere = 0;
  for (const auto& record : on_topic) {
    elsewhere += record.partition !=
                 rd_kafka_msg_partitioner_murmur2(nullptr, record.key.data(), record.key.size(),
                                                  kPipelinePartitions, nullptr, nullptr);
  }
  ASSERT_GT(elsewhere, kCount / 4) << "the partitioners must disagree for this test to mean "
                                      "anything";

  auto sink = pipeline.start_sink();
  ASSERT_EQ(pipeline.wait_for_rows(static_cast<std::int64_t>(kCount), 120s, sink.get()),
            static_cast<std::int64_t>(kCount))
      << tail_of(*sink);
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");
  EXPECT_EQ(pipeline.stored_positions(), pipeline.non_empty_end_offsets());

  sink->signal(SIGTERM);
  ASSERT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  EXPECT_EQ(describe_reading(sink->output(), static_cast<std::int64_t>(kCount)), "")
      << tail_of(*sink);
}

}  // namespace
}  // namespace tokenflow::testing
