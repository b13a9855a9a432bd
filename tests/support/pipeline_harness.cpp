#include "support/pipeline_harness.hpp"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

#include "codec/transfer_decoder.hpp"
#include "codec/transfer_encoder.hpp"
#include "kafka/admin.hpp"
#include "kafka/consumer.hpp"
#include "support/kcat.hpp"

namespace tokenflow::testing {
namespace {

using Clock = std::chrono::steady_clock;

core::Address random_address(std::mt19937_64& rng) {
  std::array<std::uint8_t, 20> bytes{};
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return core::Address(bytes);
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A 256-bit value of exactly 78 decimal digits: 10^77 <= v < 2^256. 10^77 / 2^256 is about
// 0.8636, i.e. a top limb from 0xDD15...; a top limb of 0xDE.. or more is always above it.
core::Uint256 random_78_digits(std::mt19937_64& rng) {
  return core::Uint256({rng(), rng(), rng(), 0xDE00000000000000ULL | (rng() >> 8)});
}

}  // namespace

std::vector<core::Transfer> make_transfers(std::size_t count, std::uint64_t seed, int tokens) {
  std::mt19937_64 rng(seed);
  std::vector<core::Address> contracts;
  for (int t = 0; t < tokens; ++t) contracts.push_back(random_address(rng));
  const std::string run = hex64(rng());  // ids differ between seeds
  std::vector<core::Transfer> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    core::Transfer& t = out[i];
    const std::string tx = "0x" + run + hex64(i) + hex64(seed) + hex64(rng());
    t.id.value = tx + "_" + std::to_string(i % 5);
    t.block_number = 19'000'000 + i / 50;
    t.timestamp.value = 1'717'243'197'000 + static_cast<std::int64_t>(i) * 250;
    t.contract_address = contracts[i % contracts.size()];
    t.from_address = i % 50 == 3 ? core::Address() : random_address(rng);  // a few mints
    t.to_address = i % 50 == 4 ? core::Address() : random_address(rng);    // and burns
    switch (i % 1000) {
      case 7:
        t.value = core::Uint256::max();
        break;
      case 8:
        t.value = core::Uint256(0);
        break;
      case 9:
        t.value = core::Uint256(1);
        break;
      default:
        if (i % 10 == 0) {
          t.value = random_78_digits(rng);
        } else if (i % 10 == 5) {
          t.value = core::Uint256({rng(), rng(), rng(), rng()});
        } else {
          t.value = core::Uint256(rng() % 1'000'000'000'000'000ULL);
        }
    }
    if (i % 2 == 0) {
      t.tx_hash = tx;
      t.log_index = static_cast<std::uint32_t>(i % 5);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> keyed_messages(
    const std::vector<core::Transfer>& transfers) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(transfers.size());
  for (const auto& t : transfers) {
    out.emplace_back(t.contract_address.to_string(), codec::encode_transfer(t));
  }
  return out;
}

void write_ndjson(const std::string& path, const std::vector<core::Transfer>& transfers) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  std::string line;
  for (const auto& t : transfers) {
    codec::encode_transfer(t, line);
    out << line << '\n';
  }
  if (!out.flush()) throw std::runtime_error("writing " + path + " failed");
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path);
  for (const auto& line : lines) out << line << '\n';
  if (!out.flush()) throw std::runtime_error("writing " + path + " failed");
}

std::string row_text(std::string_view block_number, std::string_view timestamp_micros,
                     std::string_view contract, std::string_view from, std::string_view to,
                     std::string_view value) {
  std::string out;
  for (const auto& [name, text] :
       {std::pair{"block ", block_number}, std::pair{" at_us ", timestamp_micros},
        std::pair{" contract ", contract}, std::pair{" from ", from}, std::pair{" to ", to},
        std::pair{" value ", value}}) {
    out.append(name).append(text);
  }
  return out;
}

std::string row_text(const core::Transfer& t) {
  return row_text(std::to_string(t.block_number), std::to_string(t.timestamp.value * 1000),
                  t.contract_address.to_string(), t.from_address.to_string(),
                  t.to_address.to_string(), t.value.to_decimal());
}

std::map<std::string, std::string> expected_rows(const std::vector<core::Transfer>& transfers) {
  std::map<std::string, std::string> rows;
  for (const auto& t : transfers) {
    const auto [at, added] = rows.emplace(t.id.value, row_text(t));
    if (!added && at->second != row_text(t)) {
      ADD_FAILURE() << "two transfers with id " << t.id.value << " and other values";
    }
  }
  return rows;
}

std::vector<core::Transfer> decode_transfers(const std::vector<TopicRecord>& records) {
  std::vector<core::Transfer> out;
  codec::TransferDecoder decoder;
  core::Transfer transfer;
  for (const auto& record : records) {
    if (auto decoded = decoder.decode(record.payload, transfer); !decoded.ok()) {
      ADD_FAILURE() << "partition " << record.partition << " offset " << record.offset << ": "
                    << decoded.error().message;
      continue;
    }
    out.push_back(transfer);
  }
  return out;
}

std::map<std::string, std::string> rows_below(const std::vector<TopicRecord>& records,
                                              const std::map<int, std::int64_t>& positions) {
  std::vector<TopicRecord> below;
  for (const auto& record : records) {
    auto it = positions.find(record.partition);
    if (it != positions.end() && record.offset < it->second) below.push_back(record);
  }
  return expected_rows(decode_transfers(below));
}

Pipeline::Pipeline(bool with_postgres, std::map<std::string, std::string> postgres_settings) {
  // The in-process clients (cluster, topic readers) log only what is wrong; the children's
  // logs are what the tests look at.
  spdlog::set_level(spdlog::level::warn);
  auto cluster = kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) throw std::runtime_error("embedded cluster: " + cluster.error().message);
  cluster_ = std::move(cluster).value();
  for (const auto& [topic, partitions] :
       {std::pair{kPipelineTopic, kPipelinePartitions}, std::pair{kPipelineDeadLetterTopic, 3}}) {
    if (auto created = cluster_->create_topic(topic, partitions); !created.ok()) {
      throw std::runtime_error("creating topic " + std::string(topic) + ": " +
                               created.error().message);
    }
  }
  if (with_postgres) {
    PostgresServerOptions options;
    // Speed only: nothing here crashes the server, and a fast stop keeps committed work.
    options.settings = {{"fsync", "off"}, {"full_page_writes", "off"}};
    for (auto& [name, value] : postgres_settings) options.settings[name] = std::move(value);
    postgres_ = std::make_unique<PostgresServer>(options);
  }
  dir_ = make_temp_dir("tf-pipeline");
}

Pipeline::~Pipeline() {
  postgres_.reset();
  cluster_.reset();
  if (::testing::Test::HasFailure() || std::getenv("TOKENFLOW_KEEP_TEST_DIRS") != nullptr) {
    std::fprintf(stderr, "pipeline logs kept in %s\n", dir_.c_str());
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

kafka::ClientConfig Pipeline::client_config() const {
  kafka::ClientConfig config = cluster_->client_config();
  config.properties = {{"reconnect.backoff.ms", "50"}, {"reconnect.backoff.max.ms", "500"}};
  return config;
}

std::unique_ptr<ChildProcess> Pipeline::start_tokenflow(std::vector<std::string> args,
                                                        const std::string& log,
                                                        std::map<std::string, std::string> env) {
  args.insert(args.begin(), tokenflow_binary());
  return std::make_unique<ChildProcess>(std::move(args), path(log), std::move(env));
}

std::unique_ptr<ChildProcess> Pipeline::start_sink(std::vector<std::string> extra,
                                                   const std::string& log,
                                                   std::map<std::string, std::string> env) {
  std::vector<std::string> args = {"sink",           "postgres",          "--database-url",
                                   postgres_->url(), "--kafka-bootstrap", bootstrap()};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_tokenflow(std::move(args), log, std::move(env));
}

std::unique_ptr<ChildProcess> Pipeline::start_file_producer(const std::string& file,
                                                            std::vector<std::string> extra,
                                                            const std::string& log) {
  std::vector<std::string> args = {"produce", "file", file, "--kafka-bootstrap", bootstrap()};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_tokenflow(std::move(args), log);
}

std::optional<std::int64_t> Pipeline::row_count() const {
  try {
    auto rows = postgres_->query(std::string("SELECT count(*) FROM ") + kPipelineTable);
    return std::stoll(rows.at(0).at(0));
  } catch (const std::exception&) {
    return std::nullopt;  // server stopped, or the sink has not created the table yet
  }
}

std::int64_t Pipeline::wait_for_rows(std::int64_t expected, std::chrono::milliseconds timeout,
                                     ChildProcess* watch) const {
  const auto deadline = Clock::now() + timeout;
  std::int64_t last = -1;
  for (;;) {
    if (auto count = row_count()) last = *count;
    if (last >= expected) return last;
    if (Clock::now() >= deadline) return last;
    if (watch != nullptr && !watch->running()) {
      // One last look: it may have stored its final batch just before leaving.
      if (auto count = row_count()) last = *count;
      return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::map<std::string, std::string> Pipeline::stored_rows() const {
  return testing::stored_rows(*postgres_);
}

std::map<std::string, std::string> stored_rows(const PostgresServer& server,
                                               const std::string& table) {
  std::map<std::string, std::string> out;
  // The timestamp as exact microseconds (extract() is NUMERIC since PostgreSQL 14).
  for (auto& row : server.query(
           "SELECT id, block_number::text, (extract(epoch FROM \"timestamp\") * 1000000)::bigint"
           "::text, contract_address, from_address, to_address, \"value\"::text FROM " +
           table)) {
    out.emplace(std::move(row.at(0)),
                row_text(row.at(1), row.at(2), row.at(3), row.at(4), row.at(5), row.at(6)));
  }
  return out;
}

std::map<int, std::int64_t> Pipeline::stored_positions(const std::string& topic) const {
  std::map<int, std::int64_t> out;
  // Before the sink has created its schema there is nothing stored yet.
  if (postgres_->query("SELECT to_regclass('raw.tokenflow_offsets') IS NOT NULL").at(0).at(0) !=
      "t") {
    return out;
  }
  for (const auto& row : postgres_->query(
           "SELECT \"partition\", next_offset FROM raw.tokenflow_offsets WHERE target_table = '" +
           std::string(kPipelineTable) + "' AND topic = '" + topic + "'")) {
    out[std::stoi(row.at(0))] = std::stoll(row.at(1));
  }
  return out;
}

std::map<int, std::int64_t> Pipeline::end_offsets(const std::string& topic, int partitions) const {
  return testing::end_offsets(client_config(), topic, partitions);
}

std::map<int, std::int64_t> end_offsets(const kafka::ClientConfig& config, const std::string& topic,
                                        int partitions) {
  std::map<int, std::int64_t> out;
  auto admin = kafka::Admin::create(config);
  if (!admin.ok()) throw std::runtime_error("admin: " + admin.error().message);
  for (int p = 0; p < partitions; ++p) {
    auto high = (*admin)->high_watermark(topic, core::Partition{p});
    if (!high.ok()) throw std::runtime_error("high watermark: " + high.error().message);
    out[p] = high->value;
  }
  return out;
}

std::map<int, std::int64_t> Pipeline::non_empty_end_offsets() const {
  std::map<int, std::int64_t> out;
  for (const auto& [partition, offset] : end_offsets(kPipelineTopic, kPipelinePartitions)) {
    if (offset > 0) out[partition] = offset;
  }
  return out;
}

void Pipeline::produce_with_kcat(const std::vector<std::pair<std::string, std::string>>& messages,
                                 const std::string& topic, const std::string& compression) const {
  testing::produce_with_kcat(bootstrap(), topic, messages, compression, path("kcat-" + topic));
}

std::vector<TopicRecord> Pipeline::read_topic(const std::string& topic, int partitions,
                                              std::chrono::milliseconds timeout) const {
  return testing::read_topic(client_config(), topic, partitions, timeout);
}

std::vector<TopicRecord> read_topic(const kafka::ClientConfig& config, const std::string& topic,
                                    int partitions, std::chrono::milliseconds timeout) {
  std::vector<TopicRecord> out;
  auto admin = kafka::Admin::create(config);
  if (!admin.ok()) {
    ADD_FAILURE() << "admin: " << admin.error().message;
    return out;
  }
  std::map<int, std::int64_t> high;
  std::map<int, std::int64_t> next;  // what the reader has reached per partition
  std::size_t unfinished = 0;
  for (int p = 0; p < partitions; ++p) {
    auto marks = (*admin)->watermarks(topic, core::Partition{p});
    if (!marks.ok()) {
      ADD_FAILURE() << "watermarks of " << topic << "[" << p << "]: " << marks.error().message;
      return out;
    }
    if (marks->low.value != 0) {
      ADD_FAILURE() << topic << "[" << p << "] starts at " << marks->low.value
                    << ": the cluster already deleted messages (retention outrun)";
    }
    high[p] = marks->high.value;
    next[p] = marks->low.value;
    if (marks->high.value > marks->low.value) ++unfinished;
  }
  if (unfinished == 0) return out;

  static std::atomic<int> readers{0};
  kafka::ConsumerOptions options;
  options.group_id = "tokenflow-test-reader-" + std::to_string(::getpid()) + "-" +
                     std::to_string(readers.fetch_add(1));
  options.topics = {topic};
  options.fetch_wait_max_ms = 100;
  options.client_id = "tokenflow-test-reader";
  auto consumer = kafka::Consumer::create(config, options);
  if (!consumer.ok()) {
    ADD_FAILURE() << "reader: " << consumer.error().message;
    return out;
  }
  const auto deadline = Clock::now() + timeout;
  while (unfinished > 0 && Clock::now() < deadline) {
    auto message = (*consumer)->poll(std::chrono::milliseconds(100));
    if (!message) continue;
    if (message->is_error()) {
      ADD_FAILURE() << "reading " << topic << ": " << message->error()->message;
      continue;
    }
    const int p = message->partition().value;
    const std::int64_t offset = message->offset().value;
    if (offset >= high[p]) continue;  // written after the watermarks were taken
    TopicRecord record;
    record.partition = p;
    record.offset = offset;
    record.key = std::string(message->key());
    record.payload = std::string(message->payload());
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message->raw(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      std::size_t size = 0;
      for (std::size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        record.headers[name] =
            value == nullptr ? std::string() : std::string(static_cast<const char*>(value), size);
      }
    }
    out.push_back(std::move(record));
    if (next[p] < high[p] && offset + 1 >= high[p]) --unfinished;
    next[p] = std::max(next[p], offset + 1);
  }
  if (unfinished > 0) {
    std::string where;
    for (const auto& [p, h] : high) {
      if (next[p] < h)
        where += " [" + std::to_string(p) + "] at " + std::to_string(next[p]) + " of " +
                 std::to_string(h) + ";";
    }
    ADD_FAILURE() << "reading " << topic << " did not reach the end in " << timeout.count()
                  << " ms:" << where;
  }
  (void)(*consumer)->close();
  return out;
}

std::string tail_of(const ChildProcess& child, std::size_t max_bytes) {
  std::string text = child.output();
  if (text.size() > max_bytes) text = "...\n" + text.substr(text.size() - max_bytes);
  return text;
}

std::size_t count_lines_with(const std::string& text, const std::vector<std::string>& needles) {
  std::size_t count = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + start, end - start);
    std::size_t at = 0;
    bool all = true;
    for (const auto& needle : needles) {
      at = line.find(needle, at);
      if (at == std::string_view::npos) {
        all = false;
        break;
      }
      at += needle.size();
    }
    if (all) ++count;
    start = end + 1;
  }
  return count;
}

std::vector<std::int64_t> loaded_batch_sizes(const std::string& sink_output) {
  static const std::regex kLoaded(std::string("Loaded ([0-9]+) records to ") +
                                  "raw\\.transfers_kafka");
  std::vector<std::int64_t> sizes;
  for (std::sregex_iterator it(sink_output.begin(), sink_output.end(), kLoaded), end; it != end;
       ++it) {
    sizes.push_back(std::stoll((*it)[1].str()));
  }
  return sizes;
}

std::map<int, std::int64_t> logged_offsets(const std::string& output, const std::string& topic,
                                           const std::string& before, const std::string& after) {
  auto escaped = [](const std::string& text) {
    static const std::regex kSpecial(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(text, kSpecial, R"(\$&)");
  };
  const std::regex line(escaped(topic) + "\\[([0-9]+)\\] " + escaped(before) + "([0-9]+)" +
                        escaped(after));
  std::map<int, std::int64_t> out;
  for (std::sregex_iterator it(output.begin(), output.end(), line), end; it != end; ++it) {
    out.emplace(std::stoi((*it)[1].str()), std::stoll((*it)[2].str()));  // the first one stays
  }
  return out;
}

SinkSummary sink_summary(const std::string& sink_output) {
  static const std::regex kSummary(
      "stopped after ([0-9]+) messages: ([0-9]+) rows stored, ([0-9]+) duplicates ignored, "
      "([0-9]+) dead letters, ([0-9]+) read again");
  SinkSummary summary;
  for (std::sregex_iterator it(sink_output.begin(), sink_output.end(), kSummary), end; it != end;
       ++it) {
    summary = {std::stoll((*it)[1].str()), std::stoll((*it)[2].str()), std::stoll((*it)[3].str()),
               std::stoll((*it)[4].str()), std::stoll((*it)[5].str())};
  }
  return summary;
}

std::string describe_reading(const std::string& sink_output, std::int64_t messages) {
  const SinkSummary s = sink_summary(sink_output);
  if (s.consumed == messages && s.stored == messages && s.duplicates == 0 && s.dead_letters == 0 &&
      s.read_again == 0) {
    return {};
  }
  return "expected " + std::to_string(messages) + " messages read and stored once; the sink read " +
         std::to_string(s.consumed) + ", stored " + std::to_string(s.stored) +
         " new rows, ignored " + std::to_string(s.duplicates) +
         " as already stored, dead-lettered " + std::to_string(s.dead_letters) + " and read " +
         std::to_string(s.read_again) + " again (-1: no summary line)";
}

std::int64_t sum_of(const std::map<int, std::int64_t>& offsets) {
  std::int64_t total = 0;
  for (const auto& [partition, offset] : offsets) total += offset;
  return total;
}

std::string describe_difference(const std::map<std::string, std::string>& expected,
                                const std::map<std::string, std::string>& stored,
                                const std::string& what, std::size_t max_items) {
  if (expected == stored) return {};
  std::string out = "expected " + std::to_string(expected.size()) + " " + what + ", found " +
                    std::to_string(stored.size()) + ";";
  std::size_t missing = 0, unexpected = 0, changed = 0;
  std::string details;
  for (const auto& [id, value] : expected) {
    auto it = stored.find(id);
    if (it == stored.end()) {
      if (missing++ < max_items) details += "\n  missing: " + id;
    } else if (it->second != value) {
      if (changed++ < max_items) {
        details += "\n  " + id + ": expected " + value + ",\n    found    " + it->second;
      }
    }
  }
  for (const auto& [id, value] : stored) {
    if (!expected.contains(id) && unexpected++ < max_items) details += "\n  unexpected: " + id;
  }
  out += " " + std::to_string(missing) + " missing, " + std::to_string(changed) +
         " with another value, " + std::to_string(unexpected) + " unexpected" + details;
  return out;
}

}  // namespace tokenflow::testing
