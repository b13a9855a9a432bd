// Proves that poison messages mixed into the transfer stream never stop `tokenflow sink
// postgres` and are never dropped silently: each one lands on `tokenflow.dlq` exactly once,
// with its original bytes, a reason that names what is wrong with it, and source topic,
// partition and offset headers that point at the very message; every good transfer around
// them is stored, and the stored offsets move past the poison.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "codec/transfer_encoder.hpp"
#include "kafka/dead_letter.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Poison {
  std::string name;
  std::string bytes;
  std::string reason_has;  // what the tokenflow.reason header must say
};

// `json` (as encode_transfer writes it) with the string value of `field` replaced by `raw`
// (a JSON token, quotes included if it is a string).
std::string with_field(const std::string& json, const std::string& field, const std::string& raw) {
  const std::string key = "\"" + field + "\":";
  const auto at = json.find(key);
  if (at == std::string::npos) throw std::runtime_error("no field " + field + " in " + json);
  const auto start = at + key.size();
  const auto end = json.find('"', start + 1) + 1;  // the closing quote of the string value
  return json.substr(0, start) + raw + json.substr(end);
}

std::string with_extra(const std::string& json, const std::string& extra) {
  return json.substr(0, json.size() - 1) + "," + extra + "}";
}

std::vector<Poison> make_poison(const std::vector<core::Transfer>& bases) {
  std::size_t next = 0;
  auto base = [&] { return codec::encode_transfer(bases.at(next++)); };
  std::vector<Poison> poison;
  poison.push_back({"negative value", with_field(base(), "value", "\"-5\""),
                    "field 'value': '-5' is not an unsigned integer"});
  poison.push_back({"bad address", with_field(base(), "contract_address", "\"0xnot-an-address\""),
                    "field 'contract_address': '0xnot-an-address' is not an address"});
  {
    const std::string whole = base();
    poison.push_back(
        {"truncated JSON", whole.substr(0, whole.size() / 2), "not one valid JSON document"});
  }
  poison.push_back({"array", "[" + base() + "]", "is a JSON array, not one JSON object"});
  poison.push_back({"empty object", "{}", "field 'id' is missing"});
  poison.push_back({"invalid UTF-8", with_field(base(), "id", "\"tx\xff\xfe_0\""), "UTF-8"});
  poison.push_back(
      {"duplicate key", with_extra(base(), "\"value\":\"7\""), "field 'value' appears twice"});
  poison.push_back({"79-digit value",
                    with_field(base(), "value", "\"1" + std::string(78, '0') + "\""),
                    "is above 2^256-1"});
  // A few more kinds of DESIGN.md's "invalid".
  poison.push_back({"two objects", base() + base(), "JSON"});
  poison.push_back({"fractional amount", with_field(base(), "value", "1.5"),
                    "field 'value' is a JSON number that is not an exact 64-bit integer"});
  poison.push_back(
      {"missing field", with_field(base(), "to_address", "null"), "field 'to_address' is missing"});
  poison.push_back({"id over 256 bytes",
                    with_field(base(), "id", "\"" + std::string(300, 'a') + "\""),
                    "field 'id' is 300 bytes"});
  poison.push_back({"alias twice",
                    with_extra(base(), "\"contractAddress\":\"0x" + std::string(40, 'a') + "\""),
                    "both give contract_address"});
  return poison;
}

TEST(SinkDeadLetters, EachPoisonMessageOnTheDeadLetterTopicOnceWithItsBytesReasonAndSource) {
  constexpr std::size_t kGood = 3000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kGood, 51);
  const auto poison = make_poison(make_transfers(20, 52));
  // Poison spread through the good lines.
  std::vector<std::string> lines;
  std::map<std::string, const Poison*> by_bytes;
  for (std::size_t i = 0, k = 0; i < kGood; ++i) {
    lines.push_back(codec::encode_transfer(transfers[i]));
    if (i % 200 == 100 && k < poison.size()) {
      lines.push_back(poison[k].bytes);
      by_bytes[poison[k].bytes] = &poison[k];
      ++k;
    }
  }
  ASSERT_EQ(by_bytes.size(), poison.size()) << "the file should hold every poison message once";
  const auto file = pipeline.path("mixed.ndjson");
  write_lines(file, lines);

  auto sink = pipeline.start_sink();
  auto producer = pipeline.start_file_producer(file, {"--raw", "--rate", "3000"});
  ASSERT_EQ(producer->wait(90s), 0) << tail_of(*producer);
  ASSERT_EQ(pipeline.wait_for_rows(kGood, 120s, sink.get()), static_cast<std::int64_t>(kGood))
      << tail_of(*sink);

  // The sink moves past the poison too: its stored offsets reach the end of every partition.
  std::map<int, std::int64_t> non_empty;
  std::int64_t on_topic = 0;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    if (offset > 0) non_empty[partition] = offset;
    on_topic += offset;
  }
  EXPECT_EQ(on_topic, static_cast<std::int64_t>(kGood + poison.size()));
  const auto deadline = Clock::now() + 60s;
  while (pipeline.stored_positions() != non_empty && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(pipeline.stored_positions(), non_empty) << tail_of(*sink);
  ASSERT_TRUE(sink->running()) << tail_of(*sink);

  // Every good transfer stored, exactly.
  EXPECT_EQ(describe_difference(expected_rows(transfers), pipeline.stored_rows()), "");

  // Where each message sits on the source topic.
  std::map<std::pair<int, std::int64_t>, std::string> source;
  for (auto& r : pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 60s)) {
    source[{r.partition, r.offset}] = std::move(r.payload);
  }
  ASSERT_EQ(source.size(), kGood + poison.size());

  const auto dead = pipeline.read_topic(kPipelineDeadLetterTopic, 3, 60s);
  EXPECT_EQ(dead.size(), poison.size());
  std::map<std::string, int> seen;
  for (const auto& letter : dead) {
    auto it = by_bytes.find(letter.payload);
    if (it == by_bytes.end()) {
      ADD_FAILURE() << "a dead letter that is none of the poison messages (original bytes "
                       "changed?): "
                    << letter.payload.substr(0, 300);
      continue;
    }
    const Poison& p = *it->second;
    SCOPED_TRACE(p.name);
    ++seen[p.name];
    const auto header = [&](std::string_view name) -> std::string {
      auto h = letter.headers.find(std::string(name));
      return h == letter.headers.end() ? std::string("<absent>") : h->second;
    };
    const std::string reason = header(kafka::kReasonHeader);
    EXPECT_FALSE(reason.empty());
    EXPECT_NE(reason.find(p.reason_has), std::string::npos)
        << "reason '" << reason << "' should say '" << p.reason_has << "'";
    EXPECT_EQ(header(kafka::kSourceTopicHeader), kPipelineTopic);
    // The group that found it bad (the sink's default group).
    EXPECT_EQ(header(kafka::kConsumerGroupHeader), "tokenflow-sink-postgres");
    const std::string partition = header(kafka::kSourcePartitionHeader);
    const std::string offset = header(kafka::kSourceOffsetHeader);
    std::pair<int, std::int64_t> where{-1, -1};
    try {
      where = {std::stoi(partition), std::stoll(offset)};
    } catch (const std::exception&) {
      ADD_FAILURE() << "source headers are not numbers: partition '" << partition << "', offset '"
                    << offset << "'";
      continue;
    }
    auto original = source.find(where);
    ASSERT_NE(original, source.end())
        << "no message at " << kPipelineTopic << "[" << where.first << "]@" << where.second;
    EXPECT_EQ(original->second, letter.payload)
        << "the headers point at " << kPipelineTopic << "[" << where.first << "]@" << where.second
        << ", which holds another message";
    EXPECT_TRUE(letter.key.empty()) << "the original had no key";
  }
  for (const auto& p : poison) {
    EXPECT_EQ(seen[p.name], 1) << p.name << " should be dead-lettered exactly once";
  }
  EXPECT_GE(count_lines_with(sink->output(), {"sent to tokenflow.dlq"}), 1u) << tail_of(*sink);

  sink->signal(SIGTERM);
  EXPECT_EQ(sink->wait(30s), 0) << tail_of(*sink);
  EXPECT_NE(sink->output().find(std::to_string(poison.size()) + " dead letters"), std::string::npos)
      << tail_of(*sink);
}

// Kafka refusing the dead letters themselves (a permanent produce error on tokenflow.dlq):
// the sink may stop or retry, but it must never store offsets past a poison message whose
// dead letter Kafka did not acknowledge, or the message is gone without a trace.
TEST(SinkDeadLetters, ADeadLetterKafkaRefusesIsNeverSkipped) {
  constexpr std::size_t kGood = 1000;
  Pipeline pipeline;
  const auto transfers = make_transfers(kGood, 53);
  auto poison = make_poison(make_transfers(20, 54));
  poison.resize(5);
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < kGood; ++i) {
    lines.push_back(codec::encode_transfer(transfers[i]));
    if (i % 200 == 100) lines.push_back(poison[i / 200].bytes);
  }
  const auto file = pipeline.path("mixed.ndjson");
  write_lines(file, lines);
  auto producer = pipeline.start_file_producer(file, {"--raw"});
  ASSERT_EQ(producer->wait(60s), 0) << tail_of(*producer);

  // From now on only the sink produces (its dead letters), and Kafka refuses them.
  constexpr std::int16_t kProduceApiKey = 0;
  pipeline.cluster().push_request_errors(
      kProduceApiKey,
      std::vector<rd_kafka_resp_err_t>(10, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
  auto sink = pipeline.start_sink();
  std::map<int, std::int64_t> non_empty;
  for (const auto& [partition, offset] :
       pipeline.end_offsets(kPipelineTopic, kPipelinePartitions)) {
    if (offset > 0) non_empty[partition] = offset;
  }
  auto deadline = Clock::now() + 30s;
  while (pipeline.stored_positions() != non_empty && sink->running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  // Whatever the sink did, the poison it has moved past must be on the dead-letter topic.
  const auto positions = pipeline.stored_positions();
  const auto dead = pipeline.read_topic(kPipelineDeadLetterTopic, 3, 30s);
  std::set<std::string> dead_letters;
  for (const auto& letter : dead) dead_letters.insert(letter.payload);
  for (const auto& record : pipeline.read_topic(kPipelineTopic, kPipelinePartitions, 30s)) {
    const bool passed =
        positions.contains(record.partition) && record.offset < positions.at(record.partition);
    const bool is_poison = std::any_of(poison.begin(), poison.end(),
                                       [&](const Poison& p) { return p.bytes == record.payload; });
    if (passed && is_poison) {
      EXPECT_TRUE(dead_letters.contains(record.payload))
          << kPipelineTopic << "[" << record.partition << "]@" << record.offset
          << " is behind the stored offset but its dead letter is not on "
          << kPipelineDeadLetterTopic << ":\n"
          << tail_of(*sink);
    }
  }
  pipeline.cluster().clear_request_errors(kProduceApiKey);

  // The check above holds vacuously if the sink held still the whole time (which is allowed):
  // once Kafka takes dead letters again, the sink must get to the end, and then every poison
  // message is behind its stored offset and on the dead-letter topic.
  deadline = Clock::now() + 60s;
  while (pipeline.stored_positions() != non_empty && sink->running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(pipeline.stored_positions(), non_empty) << tail_of(*sink);
  std::set<std::string> dead_after;
  for (const auto& letter : pipeline.read_topic(kPipelineDeadLetterTopic, 3, 30s)) {
    dead_after.insert(letter.payload);
  }
  for (const auto& p : poison) {
    EXPECT_TRUE(dead_after.contains(p.bytes)) << "a poison message is not on "
                                              << kPipelineDeadLetterTopic << ":\n"
                                              << tail_of(*sink);
  }
}

}  // namespace
}  // namespace tokenflow::testing
