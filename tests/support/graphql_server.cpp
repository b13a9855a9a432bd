#include "support/graphql_server.hpp"

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tokenflow::testing {
namespace {

simdjson::dom::element parse_json(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    throw std::runtime_error("graphql test server: not JSON: " + body.substr(0, 200));
  }
  return root;
}

std::vector<std::string> string_array(const std::string& body, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parse_json(parser, body)[key].get(array) != simdjson::SUCCESS) {
    throw std::runtime_error(std::string("graphql test server: no array '") + key + "' in answer");
  }
  std::vector<std::string> out;
  for (auto value : array) {
    std::string_view text;
    if (value.get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
  return out;
}

}  // namespace

GraphqlServer::GraphqlServer(const std::string& log_path, GraphqlServerOptions options)
    : port_(options.port != 0 ? options.port : free_loopback_port()), log_path_(log_path) {
  std::vector<std::string> argv = {
      "node",
      std::string(TOKENFLOW_SOURCE_DIR) + "/tests/support/graphql_server/server.js",
      "--port",
      std::to_string(port_),
      "--seed",
      std::to_string(options.seed),
      "--start-block",
      std::to_string(options.start_block),
      "--blocks",
      std::to_string(options.blocks),
      "--per-block",
      std::to_string(options.per_block),
      "--big-block-size",
      std::to_string(options.big_block_size),
      "--invalid",
      std::to_string(options.invalid)};
  if (!options.fault.empty()) {
    argv.push_back("--fault");
    argv.push_back(options.fault);
  }
  process_ = std::make_unique<ChildProcess>(
      argv, log_path_, std::map<std::string, std::string>{{"NODE_PATH", "/usr/share/nodejs"}});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    auto answer = http_.post_json(base_url() + "/control/stats", "{}");
    if (answer.ok() && answer->status == 200) break;
    if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("graphql test server did not start on port " +
                               std::to_string(port_) + ": " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

GraphqlServer::~GraphqlServer() = default;

std::string GraphqlServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
double GraphqlServer::cpu_seconds() const {
  return process_cpu_seconds(process_->pid());
}

std::string GraphqlServer::hasura_endpoint() const { return base_url() + "/v1/graphql"; }
std::string GraphqlServer::thegraph_endpoint() const { return base_url() + "/subgraphs/name/test"; }

std::string GraphqlServer::control(const std::string& path, const std::string& body) {
  auto answer = http_.post_json(base_url() + path, body);
  if (!answer.ok())
    throw std::runtime_error("graphql test server " + path + ": " + answer.error().message);
  if (answer->status != 200) {
    throw std::runtime_error("graphql test server " + path + ": HTTP " +
                             std::to_string(answer->status) + " " + answer->body);
  }
  return std::move(answer->body);
}

void GraphqlServer::append(int blocks, int per_block, int invalid) {
  control("/control/append", "{\"blocks\":" + std::to_string(blocks) +
                                 ",\"per_block\":" + std::to_string(per_block) +
                                 ",\"invalid\":" + std::to_string(invalid) + "}");
}

void GraphqlServer::set_fault(const std::string& json) { control("/control/fault", json); }

GraphqlServerStats GraphqlServer::stats() {
  const auto body = control("/control/stats");
  simdjson::dom::parser parser;
  const auto doc = parse_json(parser, body);
  GraphqlServerStats s;
  auto get = [&](const char* key) {
    std::int64_t v = 0;
    if (doc[key].get(v) != simdjson::SUCCESS)
      throw std::runtime_error(std::string("stats: no ") + key);
    return v;
  };
  s.requests = get("requests");
  s.faults = get("faults");
  s.records = get("records");
  s.connections = get("connections");
  s.head = get("head");
  s.total = get("total");
  s.valid = get("valid");
  return s;
}

std::vector<std::string> GraphqlServer::valid_ids() {
  return string_array(control("/control/ids"), "valid");
}
std::vector<std::string> GraphqlServer::invalid_ids() {
  return string_array(control("/control/ids"), "invalid");
}

std::vector<core::Transfer> GraphqlServer::valid_records() {
  const std::string body = control("/control/records");
  simdjson::dom::parser parser;
  simdjson::dom::array array;
  if (parse_json(parser, body)["valid"].get(array) != simdjson::SUCCESS) {
    throw std::runtime_error("graphql test server: no array 'valid' in /control/records");
  }
  std::vector<core::Transfer> out;
  for (simdjson::dom::element record : array) {
    auto text = [&](const char* key) {
      std::string_view value;
      if (record[key].get(value) != simdjson::SUCCESS) {
        throw std::runtime_error(std::string("/control/records: a record without ") + key);
      }
      return value;
    };
    auto number = [&](const char* key) {
      std::int64_t value = 0;
      if (record[key].get(value) != simdjson::SUCCESS) {
        throw std::runtime_error(std::string("/control/records: a record without ") + key);
      }
      return value;
    };
    auto address = [&](const char* key) {
      auto parsed = core::Address::parse(text(key));
      if (!parsed.ok()) throw std::runtime_error("/control/records: " + parsed.error().message);
      return *parsed;
    };
    core::Transfer& t = out.emplace_back();
    t.id.value = std::string(text("id"));
    t.block_number = static_cast<std::uint64_t>(number("blockNumber"));
    t.timestamp.value = number("timestamp") * 1000;
    t.contract_address = address("contractAddress");
    t.from_address = address("from");
    t.to_address = address("to");
    auto value = core::Uint256::from_decimal(text("value"));
    if (!value.ok()) throw std::runtime_error("/control/records: " + value.error().message);
    t.value = *value;
  }
  return out;
}

std::string GraphqlServer::log() const {
  std::ifstream in(log_path_);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> graphql_producer_args(const std::string& endpoint,
                                               const std::string& bootstrap,
                                               const std::string& state_file,
                                               const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"produce",
                                   "graphql",
                                   "--endpoint",
                                   endpoint,
                                   "--kafka-bootstrap",
                                   bootstrap,
                                   "--state-file",
                                   state_file,
                                   "--retry-initial-ms",
                                   "50",
                                   "--retry-max-ms",
                                   "500",
                                   "--request-timeout",
                                   "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace tokenflow::testing
