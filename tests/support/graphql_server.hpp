// GraphqlServer: the test indexer (tests/support/graphql_server/server.js on Node.js and
// Debian's node-graphql) as a child process on a loopback port: generated transfers served
// in the Hasura/Envio and The Graph dialects, plus control calls to append blocks, inject
// faults and read back what it served and which ids exist.
//
// Lifecycle: one test thread owns it; the constructor starts the server and waits until it
// answers (throws std::runtime_error with its log otherwise); the destructor kills it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/transfer.hpp"
#include "http/http_client.hpp"
#include "support/child_process.hpp"

namespace tokenflow::testing {

struct GraphqlServerOptions {
  int port = 0;  // 0: a free loopback port
  std::uint64_t seed = 1;
  std::uint64_t start_block = 19'000'000;
  int blocks = 0;          // generated up front
  int per_block = 100;     // transfers per block
  int big_block_size = 0;  // the middle block gets this many transfers instead (0: none)
  int invalid = 0;         // invalid records in the first block (bad value or address)
  std::string fault;       // initial fault, as for set_fault() ("": none)
};

struct GraphqlServerStats {
  std::int64_t requests = 0;     // GraphQL requests (control calls excluded)
  std::int64_t faults = 0;       // requests answered with an injected fault
  std::int64_t records = 0;      // records served
  std::int64_t connections = 0;  // TCP connections accepted (control calls included)
  std::int64_t head = 0;         // last block
  std::int64_t total = 0;        // records held
  std::int64_t valid = 0;        // of which valid transfers
};

class GraphqlServer {
 public:
  GraphqlServer(const std::string& log_path, GraphqlServerOptions options = {});
  ~GraphqlServer();
  GraphqlServer(const GraphqlServer&) = delete;
  GraphqlServer& operator=(const GraphqlServer&) = delete;

  int port() const { return port_; }
  // CPU time (user + system) the server's process has used so far, for benchmarks.
  double cpu_seconds() const;
  std::string hasura_endpoint() const;    // http://127.0.0.1:P/v1/graphql
  std::string thegraph_endpoint() const;  // http://127.0.0.1:P/subgraphs/name/test

  // Appends `blocks` blocks of `per_block` transfers (the first with `invalid` bad ones).
  void append(int blocks, int per_block, int invalid = 0);
  // e.g. {"mode":"random","rate":0.4,"count":30,"delay_ms":1500,"retry_after":1}
  void set_fault(const std::string& json);
  GraphqlServerStats stats();
  // Ids of the valid and of the invalid records, in the order served.
  std::vector<std::string> valid_ids();
  std::vector<std::string> invalid_ids();
  // The valid records as the indexer holds them, every field, in the order served: what a
  // sink fed by the source must store (read with the test's own parsing, not the source's).
  std::vector<core::Transfer> valid_records();
  std::string log() const;

 private:
  std::string control(const std::string& path, const std::string& body = "{}");
  std::string base_url() const;

  int port_ = 0;
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
  http::HttpClient http_;
};

// `produce graphql` arguments for `endpoint`, publishing to `bootstrap` with its cursor in
// `state_file`, fast retries and a 1 s request timeout (tests inject faults), then `extra`.
std::vector<std::string> graphql_producer_args(const std::string& endpoint,
                                               const std::string& bootstrap,
                                               const std::string& state_file,
                                               const std::vector<std::string>& extra = {});

}  // namespace tokenflow::testing
