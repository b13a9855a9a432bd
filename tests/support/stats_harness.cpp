#include "support/stats_harness.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

#include "codec/swap_encoder.hpp"
#include "codec/transfer_encoder.hpp"
#include "support/kcat.hpp"

namespace tokenflow::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

}  // namespace

core::Address test_token(int n) {
  std::array<std::uint8_t, 20> bytes{};
  std::mt19937_64 rng(static_cast<std::uint64_t>(n) * 7919 + 17);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return core::Address(bytes);
}

std::vector<core::Swap> make_swaps(const SwapStreamShape& shape) {
  std::mt19937_64 rng(shape.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<core::Address> traders;
  for (int i = 0; i < shape.traders; ++i) traders.push_back(test_token(100'000 + i));
  std::vector<core::Swap> out;
  out.reserve(shape.count);
  std::int64_t now = shape.start_ms;
  std::size_t unique = 0;
  while (out.size() < shape.count) {
    if (unique > 0 && unit(rng) < shape.duplicate_share) {
      out.push_back(out[out.size() - 1 - rng() % std::min<std::size_t>(out.size(), 500)]);
      continue;
    }
    core::Swap s;
    now += shape.step_ms;
    s.id.value = "0xs" + std::to_string(shape.seed) + "_" + std::to_string(unique++);
    s.timestamp.value = now;
    if (unit(rng) < shape.out_of_order_share) {
      s.timestamp.value -= static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(shape.max_back.count()));
    }
    s.token = test_token(static_cast<int>(rng() % static_cast<std::uint64_t>(shape.tokens)));
    s.trader = traders[rng() % traders.size()];
    s.side = rng() % 3 == 0 ? core::SwapSide::sell : core::SwapSide::buy;
    s.amount = core::Uint256(rng() % 1'000'000'000'000ULL);
    s.amount_usd.value = rng() % 20 == 0 ? rng() % 100'000'000'000'000ULL : rng() % 10'000'000'000ULL;
    out.push_back(std::move(s));
  }
  return out;
}

int loopback_port_of(const std::string& url) {
  const std::string prefix = "http://127.0.0.1:";
  if (url.rfind(prefix, 0) != 0) return -1;
  try {
    return std::stoi(url.substr(prefix.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

HttpAnswer http_get_following(int port, const std::string& target, int hops, int* hops_taken) {
  HttpAnswer answer = http_get(port, target);
  int taken = 0;
  while (answer.status == 307 && taken < hops) {
    const auto location = answer.headers.find("Location");
    if (location == answer.headers.end()) break;
    const int next = loopback_port_of(location->second);
    if (next < 0) break;
    const auto path = location->second.find('/', std::string("http://").size());
    answer = http_get(next, location->second.substr(path));
    ++taken;
  }
  if (hops_taken != nullptr) *hops_taken = taken;
  return answer;
}

HttpAnswer http_get(int port, const std::string& target,
                    const std::map<std::string, std::string>& headers,
                    const std::string& from_address) {
  HttpAnswer answer;
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    if (!from_address.empty()) {
      stream.socket().open(tcp::v4());
      stream.socket().bind(tcp::endpoint(asio::ip::make_address(from_address), 0));
    }
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(stream, buffer, response);
    answer.status = response.result_int();
    answer.body = response.body();
    for (const auto& field : response) {
      answer.headers[std::string(field.name_string())] = std::string(field.value());
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const std::exception&) {
    answer.status = 0;
  }
  return answer;
}

StatsHarness::StatsHarness(int partitions) : partitions_(partitions) {
  spdlog::set_level(spdlog::level::warn);
  auto cluster = kafka::EmbeddedCluster::create(3);
  if (!cluster.ok()) throw std::runtime_error("embedded cluster: " + cluster.error().message);
  cluster_ = std::move(cluster).value();
  for (const auto& [topic, n] :
       {std::pair{kSwapsTopic, partitions}, std::pair{kTransfersTopic, partitions},
        std::pair{"tokenflow.dlq", 3}, std::pair{"tokenflow.late", 3},
        std::pair{"tokenflow.stats.directory", 1}}) {
    if (auto created = cluster_->create_topic(topic, n); !created.ok()) {
      throw std::runtime_error("creating " + std::string(topic) + ": " + created.error().message);
    }
  }
  kafka::ProducerOptions options;
  options.linger_ms = 1;
  auto producer = kafka::Producer::create(cluster_->client_config(), options);
  if (!producer.ok()) throw std::runtime_error("producer: " + producer.error().message);
  producer_ = std::move(producer).value();
  dir_ = make_temp_dir("tf-stats");
}

StatsHarness::~StatsHarness() {
  producer_.reset();
  cluster_.reset();
  if (::testing::Test::HasFailure() || std::getenv("TOKENFLOW_KEEP_TEST_DIRS") != nullptr) {
    std::fprintf(stderr, "stats test files kept in %s\n", dir_.c_str());
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void StatsHarness::produce(const std::vector<core::Swap>& swaps, double rate) {
  std::string json;
  char key[core::Address::kTextSize];
  const auto started = Clock::now();
  for (std::size_t i = 0; i < swaps.size(); ++i) {
    if (rate > 0) {
      const auto due = started + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(i) / rate));
      std::this_thread::sleep_until(due);
    }
    codec::encode_swap(swaps[i], json);
    swaps[i].token.write_hex(key);
    send(kSwapsTopic, std::string_view(key, sizeof key), json);
  }
  flush();
}

void StatsHarness::produce_with_kcat(const std::vector<core::Swap>& swaps,
                                     const std::string& topic, const std::string& compression) {
  std::vector<std::pair<std::string, std::string>> messages;
  messages.reserve(swaps.size());
  std::string json;
  for (const auto& s : swaps) {
    codec::encode_swap(s, json);
    messages.emplace_back(s.token.to_string(), json);
  }
  testing::produce_with_kcat(bootstrap(), topic, messages, compression, path("kcat-" + topic));
}

void StatsHarness::produce(const std::vector<core::Transfer>& transfers) {
  std::string json;
  char key[core::Address::kTextSize];
  for (const auto& t : transfers) {
    codec::encode_transfer(t, json);
    t.contract_address.write_hex(key);
    send(kTransfersTopic, std::string_view(key, sizeof key), json);
  }
  flush();
}

void StatsHarness::produce_raw(const std::string& topic, const std::string& key,
                               const std::string& payload) {
  send(topic, key, payload);
  flush();
}

void StatsHarness::send(const std::string& topic, std::string_view key, std::string_view payload) {
  auto produced = producer_->produce(topic, key, payload);
  if (!produced.ok()) throw std::runtime_error("produce: " + produced.error().message);
}

void StatsHarness::flush() {
  auto flushed = producer_->flush(std::chrono::seconds(60));
  if (!flushed.ok()) throw std::runtime_error("flush: " + flushed.error().message);
}

std::unique_ptr<ChildProcess> StatsHarness::start_stats(int port, const std::string& group,
                                                        const std::string& state,
                                                        std::vector<std::string> extra,
                                                        const std::string& log) {
  std::vector<std::string> args = {tokenflow_binary(),  "stats",
                                   "--kafka-bootstrap",  bootstrap(),
                                   "--kafka-group",      group,
                                   "--state-dir",        path(state),
                                   "--listen",           "127.0.0.1:" + std::to_string(port),
                                   "--checkpoint-interval", "500ms"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ChildProcess>(std::move(args), path(log));
}

bool StatsHarness::wait_ready(int port, std::chrono::milliseconds timeout, ChildProcess* child) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (child != nullptr && !child->running()) return false;
    if (http_get(port, "/readyz").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::int64_t window_count(const std::string& body, const std::string& window) {
  const auto at = body.find("\"" + window + "\":{");
  if (at == std::string::npos) return -1;
  const auto count = body.find("\"count\":", at);
  if (count == std::string::npos) return -1;
  return std::stoll(body.substr(count + 8));
}

std::string window_figures(const std::string& body, const std::string& window) {
  const auto at = body.find("\"" + window + "\":{");
  if (at == std::string::npos) return "";
  const auto end = body.find('}', at);
  return body.substr(at, end - at + 1);
}

std::string figures_of(const std::string& body) {
  const auto at = body.find("\"windows\"");
  return at == std::string::npos ? body : body.substr(at);
}

double metric_value(const std::string& metrics, const std::string& name) {
  const std::string line_start = name + " ";
  for (std::size_t at = 0; at < metrics.size();) {
    const auto end = metrics.find('\n', at);
    const std::string_view line(metrics.data() + at,
                                (end == std::string::npos ? metrics.size() : end) - at);
    if (line.substr(0, line_start.size()) == line_start) {
      return std::stod(std::string(line.substr(line_start.size())));
    }
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return -1;
}

std::int64_t total_count(int port, int tokens, const std::string& window) {
  std::int64_t sum = 0;
  for (int t = 0; t < tokens; ++t) {
    auto answer = http_get(port, "/v1/tokens/" + test_token(t).to_string() + "/stats");
    if (answer.status == 200) sum += window_count(answer.body, window);
  }
  return sum;
}

}  // namespace tokenflow::testing
