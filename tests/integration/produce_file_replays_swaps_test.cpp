// Proves that `tokenflow produce file --events swaps|prices` replays those event types as
// the other sources publish them: every valid line lands once on its type's topic
// (defi.swaps, market.prices) keyed by token or asset, and every invalid line lands once on
// tokenflow.dlq with its bytes and a reason header that names what is wrong with it and the
// line it came from; nothing valid is dead-lettered and nothing invalid is published.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "codec/swap_encoder.hpp"
#include "kafka/dead_letter.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kSwapPartitions = 6;
constexpr int kPricePartitions = 3;

struct Invalid {
  std::string bytes;
  std::string reason_has;  // what the tokenflow.reason header must say
};

std::vector<core::Swap> make_swaps(std::size_t count) {
  std::vector<core::Swap> swaps;
  for (const auto& t : make_transfers(count, 61, 8)) {
    core::Swap& s = swaps.emplace_back();
    s.id = t.id;
    s.timestamp = t.timestamp;
    s.token = t.contract_address;
    s.trader = t.to_address;
    s.side = swaps.size() % 2 == 0 ? core::SwapSide::buy : core::SwapSide::sell;
    s.amount = t.value;
    s.amount_usd.value = 1'000'000 + swaps.size() * 12'345;
    s.block_number = t.block_number;
  }
  return swaps;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no " + from + " in " + text);
  return text.replace(at, from.size(), to);
}

// Key -> payload of each record, and the dead letters by their bytes; fails the test on a
// payload read twice.
std::map<std::string, std::string> by_payload(const std::vector<TopicRecord>& records) {
  std::map<std::string, std::string> keys;
  for (const auto& r : records) {
    EXPECT_TRUE(keys.emplace(r.payload, r.key).second) << "read twice: " << r.payload;
  }
  return keys;
}

class ProduceFileReplays : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& [topic, partitions] :
         {std::pair{"defi.swaps", kSwapPartitions}, std::pair{"market.prices", kPricePartitions}}) {
      auto created = pipeline_.cluster().create_topic(topic, partitions);
      ASSERT_TRUE(created.ok()) << created.error().message;
    }
  }

  // Runs `produce file <lines> <extra>` to completion; returns its output.
  std::string replay(const std::vector<std::string>& lines, std::vector<std::string> extra,
                     const std::string& name) {
    const auto file = pipeline_.path(name + ".ndjson");
    write_lines(file, lines);
    auto producer = pipeline_.start_file_producer(file, std::move(extra), name + ".log");
    EXPECT_EQ(producer->wait(60s), 0) << tail_of(*producer);
    return tail_of(*producer);
  }

  // The dead letters of `file_name`, each checked for a reason naming what the test
  // expected of it and a source pointing at its line.
  void expect_dead_letters(const std::vector<Invalid>& invalid,
                           const std::map<std::string, std::size_t>& line_of,
                           const std::string& file_name) {
    std::map<std::string, const TopicRecord*> letters;
    const auto records = pipeline_.read_topic(std::string(kafka::kDeadLetterTopic), 3, 30s);
    for (const auto& r : records) {
      if (r.headers.count(std::string(kafka::kSourceTopicHeader)) == 0 ||
          r.headers.at(std::string(kafka::kSourceTopicHeader)).find(file_name) ==
              std::string::npos) {
        continue;  // another test's file
      }
      EXPECT_TRUE(letters.emplace(r.payload, &r).second) << "dead-lettered twice: " << r.payload;
    }
    EXPECT_EQ(letters.size(), invalid.size());
    for (const auto& bad : invalid) {
      const auto found = letters.find(bad.bytes);
      ASSERT_NE(found, letters.end()) << "not dead-lettered: " << bad.bytes;
      const auto& headers = found->second->headers;
      const auto reason = headers.at(std::string(kafka::kReasonHeader));
      EXPECT_NE(reason.find(bad.reason_has), std::string::npos)
          << "reason '" << reason << "' should say '" << bad.reason_has << "'";
      EXPECT_EQ(headers.at(std::string(kafka::kSourceOffsetHeader)),
                std::to_string(line_of.at(bad.bytes)));
    }
  }

  Pipeline pipeline_{false};
};

TEST_F(ProduceFileReplays, ValidSwapsToDefiSwapsKeyedByTokenInvalidLinesToTheDeadLetterTopic) {
  const auto swaps = make_swaps(300);
  const std::string sample = codec::encode_swap(swaps.front());
  const std::vector<Invalid> invalid = {
      {replaced(sample, "\"side\":\"sell\"", "\"side\":\"hold\""),
       "field 'side' is 'hold', expected buy or sell"},
      {replaced(sample, "\"token\":", "\"tokn\":"), "field 'token' is missing"},
      {sample.substr(0, sample.size() / 2), "JSON"},
      {"[" + sample + "]", "JSON array"},
      {replaced(sample, "\"trader\":\"0x", "\"trader\":\"0xzz"), "field 'trader'"},
  };
  std::vector<std::string> lines;
  std::map<std::string, std::size_t> line_of;   // 1-based, as the dead letters count
  std::map<std::string, std::string> expected;  // payload -> key
  for (std::size_t i = 0, k = 0; i < swaps.size(); ++i) {
    const auto json = codec::encode_swap(swaps[i]);
    lines.push_back(json);
    expected[json] = swaps[i].token.to_string();
    if (i % 50 == 25 && k < invalid.size()) {
      lines.push_back(invalid[k].bytes);
      line_of[invalid[k].bytes] = lines.size();
      ++k;
    }
  }
  ASSERT_EQ(line_of.size(), invalid.size());

  const auto output = replay(lines, {"--events", "swaps"}, "swaps");
  EXPECT_EQ(count_lines_with(output,
                             {std::to_string(lines.size()) + " lines of swaps",
                              std::to_string(swaps.size()) + " published to defi.swaps",
                              std::to_string(invalid.size()) + " dead-lettered to tokenflow.dlq"}),
            1u)
      << output;

  const auto published = by_payload(pipeline_.read_topic("defi.swaps", kSwapPartitions, 30s));
  EXPECT_EQ(published, expected);
  EXPECT_TRUE(pipeline_.read_topic(kPipelineTopic, kPipelinePartitions, 30s).empty())
      << "swaps must not reach the transfers' topic";
  expect_dead_letters(invalid, line_of, "swaps.ndjson");
}

TEST_F(ProduceFileReplays, ValidPriceTicksToMarketPricesKeyedByAsset) {
  const std::vector<std::string> ticks = {
      R"({"id":"cex:usd-coin:1717243200","asset":"usd-coin","symbol":"USDC","price_usd":"0.99987","timestamp":"2024-06-01T12:00:00Z","source":"cex"})",
      R"({"id":"cex:tether:1717243200","asset":"tether","symbol":"USDT","price_usd":"1.0002","timestamp":1717243200,"source":"cex"})",
      R"({"id":"dex:usd-coin:1717243201","asset":"usd-coin","symbol":"USDC","price_usd":"0.9999","timestamp":1717243201,"source":"dex"})",
  };
  const std::vector<Invalid> invalid = {
      {R"({"asset":"dai","timestamp":1717243200,"source":"cex"})", "field 'price_usd' is missing"},
      {R"({"price_usd":"1","timestamp":1717243200,"source":"cex"})", "field 'asset'"},
  };
  std::vector<std::string> lines = {ticks[0], invalid[0].bytes, ticks[1], invalid[1].bytes,
                                    ticks[2]};
  const std::map<std::string, std::size_t> line_of = {{invalid[0].bytes, 2}, {invalid[1].bytes, 4}};

  const auto output = replay(lines, {"--events", "prices"}, "prices");
  EXPECT_EQ(count_lines_with(output, {"5 lines of prices", "3 published to market.prices",
                                      "2 dead-lettered to tokenflow.dlq"}),
            1u)
      << output;

  const auto published = by_payload(pipeline_.read_topic("market.prices", kPricePartitions, 30s));
  const std::map<std::string, std::string> expected = {
      {ticks[0], "usd-coin"}, {ticks[1], "tether"}, {ticks[2], "usd-coin"}};
  EXPECT_EQ(published, expected);
  expect_dead_letters(invalid, line_of, "prices.ndjson");
}

}  // namespace
}  // namespace tokenflow::testing
