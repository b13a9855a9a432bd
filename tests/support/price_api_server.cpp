#include "support/price_api_server.hpp"

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "codec/json_writer.hpp"

namespace tokenflow::testing {
namespace {

std::string json_text(const std::string& text) {
  std::string out;
  codec::append_json_string(out, text);
  return out;
}

}  // namespace

PriceApiServer::PriceApiServer(const std::string& log_path, int filler, bool record_served)
    : port_(free_loopback_port()), log_path_(log_path) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"node",
                               std::string(TOKENFLOW_SOURCE_DIR) +
                                   "/tests/support/price_api_server/server.js",
                               "--port", std::to_string(port_), "--filler", std::to_string(filler),
                               "--record-served", record_served ? "1" : "0"},
      log_path_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    auto answer = http_.post_json(base_url() + "/control/stats", "{}");
    if (answer.ok() && answer->status == 200) break;
    if (!process_->running() || std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("price api test server did not start on port " +
                               std::to_string(port_) + ": " + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

PriceApiServer::~PriceApiServer() = default;

std::string PriceApiServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
double PriceApiServer::cpu_seconds() const { return process_cpu_seconds(process_->pid()); }

std::string PriceApiServer::control(const std::string& path, const std::string& body) {
  auto answer = http_.post_json(base_url() + path, body);
  if (!answer.ok()) throw std::runtime_error("price api test server " + path + ": " + answer.error().message);
  if (answer->status != 200) {
    throw std::runtime_error("price api test server " + path + ": HTTP " +
                             std::to_string(answer->status) + " " + answer->body);
  }
  return std::move(answer->body);
}

void PriceApiServer::set_prices(const std::string& json) { control("/control/prices", json); }

void PriceApiServer::set_coingecko(const std::string& id, const std::string& usd,
                                   std::int64_t last_updated_at, const std::string& volume,
                                   const std::string& change) {
  std::string entry = "{\"usd\":" + json_text(usd) + ",\"last_updated_at\":" +
                      std::to_string(last_updated_at);
  if (!volume.empty()) entry += ",\"usd_24h_vol\":" + json_text(volume);
  if (!change.empty()) entry += ",\"usd_24h_change\":" + json_text(change);
  set_prices("{\"coingecko\":{" + json_text(id) + ":" + entry + "}}}");
}

void PriceApiServer::set_binance(const std::string& pair, const std::string& price) {
  set_prices("{\"binance\":{" + json_text(pair) + ":" + json_text(price) + "}}");
}

void PriceApiServer::set_coinbase(const std::string& base, const std::string& amount) {
  set_prices("{\"coinbase\":{" + json_text(base) + ":" + json_text(amount) + "}}");
}

void PriceApiServer::fault(const std::string& route, const std::string& kind, int count,
                           const std::string& asset, int retry_after_s, int delay_ms) {
  control("/control/fault", "{\"route\":" + json_text(route) + ",\"kind\":" + json_text(kind) +
                                ",\"count\":" + std::to_string(count) +
                                ",\"asset\":" + json_text(asset) +
                                ",\"retry_after\":" + std::to_string(retry_after_s) +
                                ",\"delay_ms\":" + std::to_string(delay_ms) + "}");
}

PriceApiStats PriceApiServer::stats() {
  const std::string body = control("/control/stats", "{}");
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body).get(root) != simdjson::SUCCESS) {
    throw std::runtime_error("price api test server: stats not JSON: " + body);
  }
  PriceApiStats out;
  for (const char* section : {"requests", "faults"}) {
    simdjson::dom::object counts;
    if (root[section].get(counts) != simdjson::SUCCESS) throw std::runtime_error("stats: no section");
    for (auto [route, value] : counts) {
      std::int64_t n = 0;
      if (value.get(n) == simdjson::SUCCESS) {
        (std::string_view(section) == "requests" ? out.requests : out.faults)[std::string(route)] = n;
      }
    }
  }
  simdjson::dom::array keys;
  if (root["api_keys"].get(keys) == simdjson::SUCCESS) {
    for (auto key : keys) {
      std::string_view text;
      if (key.get(text) == simdjson::SUCCESS) out.api_keys.emplace_back(text);
    }
  }
  simdjson::dom::array served;
  if (root["served"].get(served) == simdjson::SUCCESS) {
    for (auto entry : served) {
      ServedPrice price;
      std::string_view text;
      if (entry["route"].get(text) == simdjson::SUCCESS) price.route = text;
      if (entry["asset"].get(text) == simdjson::SUCCESS) price.asset = text;
      if (entry["price"].get(text) == simdjson::SUCCESS) price.price = std::string(text);
      std::int64_t seconds = 0;
      if (entry["last_updated_at"].get(seconds) == simdjson::SUCCESS) price.last_updated_at = seconds;
      out.served.push_back(std::move(price));
    }
  }
  return out;
}

std::string PriceApiServer::log() const {
  std::ifstream in(log_path_);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> prices_producer_args(const PriceApiServer& server,
                                              const std::string& sources,
                                              const std::string& bootstrap,
                                              const std::string& state_file,
                                              const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"produce", "prices", "--sources", sources,
                                   "--coingecko-url", server.base_url(), "--binance-url",
                                   server.base_url(), "--coinbase-url", server.base_url(),
                                   "--kafka-bootstrap", bootstrap, "--state-file", state_file,
                                   "--timeout", "1", "--retry-initial-ms", "50",
                                   "--retry-max-ms", "200"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace tokenflow::testing
