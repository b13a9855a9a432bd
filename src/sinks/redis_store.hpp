// RedisStore: the store of `tokenflow sink redis`, a cache of the latest price tick of every
// asset and of every asset and source, in Redis hashes (docs/redis.md, "Keys"). Each batch is
// one call of the price script (sinks/redis_price_script.hpp), which writes a tick only where
// it is newer than what is stored, PUBLISHes each change, and stores the batch's Kafka
// positions, all atomically: what makes the cache exactly once (rows and offsets together,
// as BasicBatchStore asks). With ticks_per_call set, a batch is several pipelined calls, the
// positions in the last one (still exactly once: the earlier calls are idempotent).
//
// Redis' durability is its own: with appendonly and appendfsync everysec a crash of the
// machine may lose the last second, rows and positions together. A store that saw positions
// committed and finds them behind after reconnecting answers errc::rewind (as the PostgreSQL
// store does after an asynchronous commit lost), so the sink reads the lost ticks again.
// Single node (or a primary with replicas) only: a script's keys span many hash slots, so
// Redis Cluster is refused by init_schema().
//
// Lifecycle: created by the cli, then connect(), init_schema() (optional), and any number of
// load_positions()/write()/..., all from one thread at a time. After errc::unavailable call
// connect() again; after errc::rewind call load_positions().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sinks/batch_store.hpp"
#include "sinks/redis_connection.hpp"

namespace tokenflow::sinks {

struct RedisStoreOptions {
  RedisConnectionOptions connection;
  std::string key_prefix = "tokenflow";
  // The consumer group whose positions these are (a key of their own per group and topic).
  std::string group = "tokenflow-sink-redis";
  std::chrono::seconds ttl{0};  // EXPIRE on every written price key; 0: keys never expire
  bool publish = true;          // PUBLISH each change on <prefix>:prices
  // Ticks per script call; 0: the whole batch in one call (measured: docs/benchmarks.md).
  std::size_t ticks_per_call = 0;
};

class RedisStore final : public PriceBatchStore {
 public:
  explicit RedisStore(RedisStoreOptions options);

  // Checks the prefix (no spaces, no '{' or '}', which Redis Cluster reads as hash tags).
  // Errors: errc::rejected.
  static core::Result<void> validate(const RedisStoreOptions& options);

  // "redis://host:6379/0 tokenflow:price:*", for log lines.
  const std::string& table_name() const override { return table_name_; }
  core::Result<void> connect() override;
  // Nothing to create; refuses Redis Cluster and warns when the server keeps no
  // append-only file (a restart would then lose the cache and its positions).
  core::Result<void> init_schema() override;
  core::Result<core::Positions> load_positions(
      const std::string& topic, const std::vector<core::Partition>& partitions) override;
  using PriceBatchStore::write;
  core::Result<std::size_t> write(std::span<const core::PriceTick> rows,
                                  const core::Positions& positions,
                                  const CommitGate& gate) override;
  core::Result<std::size_t> forget_positions() override;
  core::Result<void> replace_positions(const core::Positions& positions) override;
  // Price keys under the prefix (asset and asset+source), by SCAN: for tests and progress.
  core::Result<std::uint64_t> count_rows() override;

  // The key names (docs/redis.md).
  std::string latest_key(std::string_view asset) const;
  std::string source_key(std::string_view asset, std::string_view source) const;
  std::string positions_key(std::string_view topic) const;
  std::string channel() const;
  // CLIENT SETNAME of a sink of `group`, which `tokenflow replay` looks for (CLIENT LIST).
  static std::string client_name_of(const std::string& group);
  // Names of the connections to the server now named `name`, besides this one: "id=N
  // addr=HOST:PORT age=S" each.
  core::Result<std::vector<std::string>> clients_named(const std::string& name);

 private:
  // Appends the script calls of a batch to the connection's output.
  void append_calls(std::span<const core::PriceTick> rows, const core::Positions& positions);
  void append_call(std::span<const core::PriceTick> rows, const core::Positions* positions);
  core::Result<std::size_t> read_calls(std::size_t calls, bool& noscript);
  core::Result<void> load_script();
  core::Result<void> check_lost_positions();
  core::Error reply_error(std::string_view text, const char* what);
  core::Result<void> ensure_connected();

  RedisStoreOptions options_;
  RedisConnection connection_;
  std::string table_name_;
  std::string prices_prefix_;  // "<prefix>:price:"
  std::string ttl_text_;
  std::string channel_;

  // Reused by every batch: the arguments' text and where each argument is in it.
  std::string arena_;
  std::vector<std::pair<std::size_t, std::size_t>> spans_;
  std::vector<std::string_view> args_;
  std::string json_;

  // Positions this store saw committed, to notice after a reconnect that the server lost
  // some; partitions found behind wait in rewind_ until load_positions() is asked for them.
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> acknowledged_;
  std::set<std::pair<std::string, std::int32_t>> rewind_;
  bool ever_connected_ = false;
};

}  // namespace tokenflow::sinks
