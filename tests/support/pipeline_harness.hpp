// Pipeline: the real pieces of an end-to-end test of `tokenflow sink postgres`: an embedded
// 3-broker Kafka cluster in this process (so the test can take brokers down and inject
// request errors), a throwaway PostgreSQL server, tokenflow child processes, NDJSON input
// with known transfers, and read-back of the database and of whole topics.
//
// Its directory (input files, the children's logs) is removed at the end unless the test
// failed or TOKENFLOW_KEEP_TEST_DIRS is set.
//
// Lifecycle: one test thread owns a Pipeline. Child processes a test starts must be destroyed
// (they are SIGKILLed) before the Pipeline, so declare them after it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "kafka/client_config.hpp"
#include "kafka/embedded_cluster.hpp"
#include "support/child_process.hpp"
#include "support/postgres_server.hpp"

namespace tokenflow::testing {

inline constexpr const char* kPipelineTopic = "stablecoin-transfers";
inline constexpr const char* kPipelineDeadLetterTopic = "tokenflow.dlq";
inline constexpr const char* kPipelineTable = "raw.transfers_kafka";
inline constexpr int kPipelinePartitions = 12;

// `count` transfers with unique ids, spread over `tokens` contract addresses (so over every
// partition), deterministic for `seed`. Values cover the edges: 0, 1, 2^256-1, and about one
// in ten random 256-bit values (mostly 78 digits); the rest are ordinary amounts.
std::vector<core::Transfer> make_transfers(std::size_t count, std::uint64_t seed, int tokens = 48);
// (key, payload) of each transfer as tokenflow's producers publish it: keyed by its
// contract address, codec::encode_transfer.
std::vector<std::pair<std::string, std::string>> keyed_messages(
    const std::vector<core::Transfer>& transfers);
// One JSON object per line (codec::encode_transfer).
void write_ndjson(const std::string& path, const std::vector<core::Transfer>& transfers);
// Lines written as given (any bytes), each followed by '\n'.
void write_lines(const std::string& path, const std::vector<std::string>& lines);
// Every column of a stored transfer but its id, as one line of text (the timestamp in
// microseconds since 1970, the value in decimal): what a row must hold, whatever database.
std::string row_text(std::string_view block_number, std::string_view timestamp_micros,
                     std::string_view contract, std::string_view from, std::string_view to,
                     std::string_view value);
std::string row_text(const core::Transfer& transfer);
// id -> row_text: what Pipeline::stored_rows() must return for these transfers.
std::map<std::string, std::string> expected_rows(const std::vector<core::Transfer>& transfers);
// Every row of `table` on `server`: id -> row_text of its other columns.
std::map<std::string, std::string> stored_rows(const PostgresServer& server,
                                               const std::string& table = "raw.transfers_kafka");

// One message read back from a topic, with all its headers (last value wins).
struct TopicRecord {
  int partition = -1;
  std::int64_t offset = -1;
  std::string key;
  std::string payload;
  std::map<std::string, std::string> headers;
};

// The transfers the messages carry, in order; a message that does not decode fails the test.
std::vector<core::Transfer> decode_transfers(const std::vector<TopicRecord>& records);
// id -> row_text of the messages below `positions` (partition -> next offset): the rows a
// sink standing at those positions must hold, no more and no fewer.
std::map<std::string, std::string> rows_below(const std::vector<TopicRecord>& records,
                                              const std::map<int, std::int64_t>& positions);

class Pipeline {
 public:
  // Starts the cluster (topics `stablecoin-transfers` with kPipelinePartitions partitions and
  // `tokenflow.dlq` with 3) and, unless `with_postgres` is false (roles that need no
  // database), PostgreSQL with `postgres_settings` added to the harness's own. Throws
  // std::runtime_error on failure.
  explicit Pipeline(bool with_postgres = true,
                    std::map<std::string, std::string> postgres_settings = {});
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  kafka::EmbeddedCluster& cluster() { return *cluster_; }
  PostgresServer& postgres() { return *postgres_; }
  const std::string& bootstrap() const { return cluster_->bootstrap_servers(); }
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  // For clients in this process: short reconnect backoff so a broker back up is used at once.
  kafka::ClientConfig client_config() const;

  // `tokenflow <args>` with its output appended to dir()/<log>.
  std::unique_ptr<ChildProcess> start_tokenflow(std::vector<std::string> args,
                                                const std::string& log,
                                                std::map<std::string, std::string> env = {});
  // `tokenflow sink postgres --database-url <url> --kafka-bootstrap <bootstrap> <extra>`.
  std::unique_ptr<ChildProcess> start_sink(std::vector<std::string> extra = {},
                                           const std::string& log = "sink.log",
                                           std::map<std::string, std::string> env = {});
  // `tokenflow produce file <file> --kafka-bootstrap <bootstrap> <extra>`.
  std::unique_ptr<ChildProcess> start_file_producer(const std::string& file,
                                                    std::vector<std::string> extra = {},
                                                    const std::string& log = "producer.log");

  // count(*) of raw.transfers_kafka; nullopt while the server or the table is not there.
  std::optional<std::int64_t> row_count() const;
  // Polls row_count() until it is at least `expected`, `timeout` passes, or `watch` (if
  // given) exits. Returns the last count seen (-1 if none).
  std::int64_t wait_for_rows(std::int64_t expected, std::chrono::milliseconds timeout,
                             ChildProcess* watch = nullptr) const;
  // Every row of raw.transfers_kafka: id -> row_text of its other columns.
  std::map<std::string, std::string> stored_rows() const;
  // The sink's stored positions of `topic` for raw.transfers_kafka: partition -> next offset.
  std::map<int, std::int64_t> stored_positions(const std::string& topic = kPipelineTopic) const;

  // Every partition's high watermark (the next offset to be written): partition -> offset.
  std::map<int, std::int64_t> end_offsets(const std::string& topic, int partitions) const;
  // end_offsets() of the transfers topic, without its empty partitions: what a sink that
  // stored everything has as its positions.
  std::map<int, std::int64_t> non_empty_end_offsets() const;
  // Publishes `messages` (key, payload) to `topic` through kcat (support/kcat.hpp).
  void produce_with_kcat(const std::vector<std::pair<std::string, std::string>>& messages,
                         const std::string& topic = kPipelineTopic,
                         const std::string& compression = "gzip") const;
  // testing::read_topic() on this cluster.
  std::vector<TopicRecord> read_topic(const std::string& topic, int partitions,
                                      std::chrono::milliseconds timeout) const;

 private:
  std::unique_ptr<kafka::EmbeddedCluster> cluster_;
  std::unique_ptr<PostgresServer> postgres_;
  std::string dir_;
};

// Every partition's high watermark on the cluster of `config`: partition -> next offset.
std::map<int, std::int64_t> end_offsets(const kafka::ClientConfig& config, const std::string& topic,
                                        int partitions);

// Reads `topic` (with `partitions` partitions) with a fresh consumer group, from the start up
// to the high watermarks taken when called. Fails the test (ADD_FAILURE) if that takes longer
// than `timeout` or a partition's start was already deleted.
std::vector<TopicRecord> read_topic(const kafka::ClientConfig& config, const std::string& topic,
                                    int partitions, std::chrono::milliseconds timeout);

// The last `max_bytes` of a child's output, for failure messages.
std::string tail_of(const ChildProcess& child, std::size_t max_bytes = 6000);

// Lines of `text` that contain every one of `needles`, in order.
std::size_t count_lines_with(const std::string& text, const std::vector<std::string>& needles);

// The N of every "Loaded N records to raw.transfers_kafka" line the sink logged.
std::vector<std::int64_t> loaded_batch_sizes(const std::string& sink_output);
// partition -> N of the first line with "<topic>[p] <before>N<after>" of each partition in
// `output`. The sink's "resumes at offset " ... " (stored in" says where it started on an
// assignment, its "reads again from offset " ... " (stored in" where it went back to after
// a failed write; the statistics service's "resumes at offset " where its checkpoint was.
std::map<int, std::int64_t> logged_offsets(const std::string& output, const std::string& topic,
                                           const std::string& before,
                                           const std::string& after = "");

// The figures of the sink's last "sink: stopped after ..." line (all -1 if there is none).
struct SinkSummary {
  std::int64_t consumed = -1;
  std::int64_t stored = -1;
  std::int64_t duplicates = -1;
  std::int64_t dead_letters = -1;
  std::int64_t read_again = -1;
};
SinkSummary sink_summary(const std::string& sink_output);
// "" if the sink's last summary says it read `messages` messages and stored each as a new
// row: none ignored as already stored, none dead-lettered, none read again; else what it says.
std::string describe_reading(const std::string& sink_output, std::int64_t messages);

// The sum of the offsets (a count of messages when they are next offsets from 0).
std::int64_t sum_of(const std::map<int, std::int64_t>& offsets);

// "" if `stored` equals `expected` (rows by id, or any other `what` by key); else how they
// differ: sizes and the first few keys that are missing, unexpected or found with another
// value.
std::string describe_difference(const std::map<std::string, std::string>& expected,
                                const std::map<std::string, std::string>& stored,
                                const std::string& what = "rows", std::size_t max_items = 8);

}  // namespace tokenflow::testing
