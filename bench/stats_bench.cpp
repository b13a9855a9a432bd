// stats_bench: the statistics service's figures, each beside a reference measured in the
// same run (BENCHMARKS.md):
//
//  1. aggregation: PartitionState::apply (fingerprint, de-duplication, buckets, traders) on
//     one core over a realistic swap stream (skewed over 1,000 tokens, 5% duplicates, 5%
//     out of order by up to a minute), beside the simplest possible aggregate of the same
//     events (one hash-map running total per token, no windows, no dedup).
//     Target (issue #5): >= 2,000,000 events/s.
//  2. memory: bytes per token for 100,000 mostly quiet tokens (90% with 1-3 swaps, 10% with
//     20-60), from the state's own accounting and from the process's heap in use,
//     beside what a dense ring of window/step buckets per token would take.
//  3. HTTP: p50/p99 of GET /v1/tokens/{token}/stats (random token of 1,000) under load from
//     a second process (wrk, 1 thread, 16 connections), beside GET /healthz on the same
//     server in the same run. Target: p99 < 2 ms at 20,000 requests/s. Also the handler's
//     own CPU per request in process (no network), beside /healthz's, which the machine's
//     load disturbs far less than wrk's latencies.
//  4. push latency: time from a swap being applied to the update reaching each of 1,000
//     WebSocket clients subscribed to its token (push interval 5 ms), beside one client.
//
//   stats_bench [--events N] [--rounds R] [--tokens T] [--seconds S] [--clients C]
//
// Before any figure is printed each part checks its answer (totals against an independent
// recomputation; every HTTP answer 200, the in-process ones with the token's figures; every
// client got the update of its token). Only 200 answers count as answered requests: wrk
// counts the statuses through a Lua response() hook in both runs (which costs wrk some CPU),
// and any other status, socket error, timeout or a non-zero exit of wrk is a failure. A part
// that failed prints the failure in place of its figures, and the bench exits 1.
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bench_support.hpp"
#include "wrk_runner.hpp"
#include "cli/stats_api.hpp"
#include "http/http_server.hpp"
#include "http/websocket_hub.hpp"
#include "processors/stats/stats_store.hpp"
#include "stream/fingerprint.hpp"
#include "stream/partition_state.hpp"

namespace {

using namespace tokenflow;
using bench::median;
using bench::with_commas;
using bench::run_wrk;
using bench::write_wrk_script;
using bench::WrkFigures;
using Clock = std::chrono::steady_clock;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

constexpr std::int64_t kStart = 1'717'243'197'000;

double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Heap bytes in use (glibc's count of allocated blocks): unlike the resident set it does not
// hide what reuses memory freed by the earlier parts.
std::size_t heap_bytes() { return mallinfo2().uordblks; }

core::Address address(std::mt19937_64& rng) {
  std::array<std::uint8_t, 20> bytes{};
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return core::Address(bytes);
}

stream::WindowConfig default_windows() {
  auto config = stream::WindowConfig::parse("5m,1h,24h", "5s");
  if (!config.ok()) std::abort();
  return *config;
}

std::vector<core::Swap> make_stream(std::size_t n, std::size_t tokens, std::uint64_t seed,
                                    std::vector<core::Address>& token_list) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  token_list.clear();
  for (std::size_t i = 0; i < tokens; ++i) token_list.push_back(address(rng));
  std::vector<core::Address> traders;
  for (int i = 0; i < 50'000; ++i) traders.push_back(address(rng));
  std::vector<core::Swap> out(n);
  std::int64_t now = kStart;
  for (std::size_t i = 0; i < n; ++i) {
    core::Swap& s = out[i];
    if (i > 0 && unit(rng) < 0.05) {
      s = out[i - 1 - rng() % std::min<std::size_t>(i, 1000)];
      continue;
    }
    now += 1;
    s.id.value =
        "0x" + std::to_string(seed) + "f00d" + std::to_string(i) + "_" + std::to_string(i % 7);
    s.timestamp.value = unit(rng) < 0.05 ? now - static_cast<std::int64_t>(rng() % 60'000) : now;
    // Skewed like real volume: a few tokens take most swaps.
    const double u = unit(rng);
    s.token = token_list[static_cast<std::size_t>(u * u * u * static_cast<double>(tokens))];
    s.trader = traders[rng() % traders.size()];
    s.side = rng() % 2 ? core::SwapSide::buy : core::SwapSide::sell;
    s.amount_usd.value = rng() % 10'000'000'000ULL;
  }
  return out;
}

// ---------------------------------------------------------------- 1. aggregation
struct AggregationResult {
  double rate = 0, reference_rate = 0;
  std::unique_ptr<stream::PartitionState> state;
};

AggregationResult aggregation(const std::vector<core::Swap>& swaps,
                              const stream::WindowConfig& config, int rounds) {
  AggregationResult result;
  std::vector<double> rates, reference_rates;
  for (int r = 0; r < rounds; ++r) {
    auto state = std::make_unique<stream::PartitionState>(config, config.largest().length);
    std::size_t added = 0;
    const double t0 = thread_seconds();
    for (const auto& s : swaps) {
      added += state->apply(s, stream::fingerprint(s.id.value)) == stream::Applied::added;
    }
    const double t1 = thread_seconds();
    rates.push_back(static_cast<double>(swaps.size()) / (t1 - t0));

    struct Total {
      std::uint64_t volume = 0, count = 0;
    };
    std::unordered_map<core::Address, Total, core::AddressHash> reference;
    const double r0 = thread_seconds();
    for (const auto& s : swaps) {
      Total& t = reference[s.token];
      t.volume += s.amount_usd.value;
      ++t.count;
    }
    const double r1 = thread_seconds();
    reference_rates.push_back(static_cast<double>(swaps.size()) / (r1 - r0));
    if (r == 0) {
      // The answer: the largest window holds exactly the distinct swaps (nothing is late:
      // the stream spans less than 24 h), volumes equal an independent recomputation.
      std::unordered_set<std::string> ids;
      core::Uint256 expected_volume;
      for (const auto& s : swaps) {
        if (ids.insert(s.id.value).second) expected_volume.add(core::Uint256(s.amount_usd.value));
      }
      const std::int64_t to = config.bucket_of(state->clock());
      std::uint64_t count = 0;
      core::Uint256 volume;
      state->for_each_token([&](const core::Address&, const stream::TokenWindow& w) {
        auto f = w.figures(to - config.largest().buckets + 1, to, config.step_ms());
        count += f.count();
        volume.add(f.volume_micros());
      });
      if (count != ids.size() || added != ids.size() || volume != expected_volume) {
        std::fprintf(stderr, "aggregation: wrong answer: %zu counted, %zu distinct\n",
                     static_cast<std::size_t>(count), ids.size());
        std::exit(1);
      }
    }
    if (r + 1 == rounds) result.state = std::move(state);
  }
  result.rate = median(rates);
  result.reference_rate = median(reference_rates);
  return result;
}

// ---------------------------------------------------------------- 2. memory
void memory(std::size_t tokens, const stream::WindowConfig& config) {
  std::mt19937_64 rng(77);
  std::vector<core::Swap> swaps;
  for (std::size_t t = 0; t < tokens; ++t) {
    const core::Address token = address(rng);
    const int n =
        rng() % 10 == 0 ? 20 + static_cast<int>(rng() % 41) : 1 + static_cast<int>(rng() % 3);
    for (int i = 0; i < n; ++i) {
      core::Swap s;
      s.id.value = "0xm" + std::to_string(swaps.size());
      s.timestamp.value = kStart + static_cast<std::int64_t>(rng() % 3'600'000);
      s.token = token;
      s.trader = address(rng);
      s.amount_usd.value = rng() % 1'000'000'000;
      swaps.push_back(std::move(s));
    }
  }
  std::sort(swaps.begin(), swaps.end(),
            [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
  const std::size_t before = heap_bytes();
  auto state = std::make_unique<stream::PartitionState>(config, config.largest().length);
  for (const auto& s : swaps) (void)state->apply(s, stream::fingerprint(s.id.value));
  const std::size_t after = heap_bytes();
  if (state->token_count() != tokens) {
    std::fprintf(stderr, "memory: %zu tokens held, expected %zu\n", state->token_count(), tokens);
    std::exit(1);
  }
  std::string saved;
  state->save(saved);
  const double per_token = static_cast<double>(state->bytes()) / static_cast<double>(tokens);
  const double heap_per_token = static_cast<double>(after - before) / static_cast<double>(tokens);
  const double dense = static_cast<double>(config.largest().buckets) * sizeof(stream::Bucket);
  std::printf(
      "\n== memory: %s tokens, %s swaps over 1 h (90%% of tokens 1-3 swaps, 10%% 20-60), "
      "windows 5m,1h,24h of 5s ==\n",
      with_commas(tokens).c_str(), with_commas(swaps.size()).c_str());
  std::printf("| measure | bytes per token |\n|---|---:|\n");
  std::printf("| state's accounting (buckets, traders, map nodes, dedup ids) | %.0f |\n",
              per_token);
  std::printf("| heap growth of this process (mallinfo2) | %.0f |\n", heap_per_token);
  std::printf("| checkpoint size | %.0f |\n",
              static_cast<double>(saved.size()) / static_cast<double>(tokens));
  std::printf("| reference: a dense ring of 24h/5s = %s buckets of %zu bytes | %.0f |\n",
              with_commas(static_cast<std::uint64_t>(config.largest().buckets)).c_str(),
              sizeof(stream::Bucket), dense);
}

// ---------------------------------------------------------------- 3. HTTP under wrk
// What the handler alone costs: CPU nanoseconds per request, or why there is no figure.
struct HandlerFigures {
  double ns = 0;
  std::uint64_t errors = 0;  // answers other than 200
  std::string failure;
};

// CPU time of the API's handler alone (routing, the store's answer, JSON, the response
// object), no network: what the server thread pays per request on top of Beast and TCP.
// Nanoseconds per request, median of 5 rounds of `n` requests over `paths`; an answer other
// than 200 is an error, not a request answered.
HandlerFigures handler_ns(cli::StatsApi& api, const std::vector<std::string>& paths,
                          std::size_t n) {
  std::vector<http::Request> requests;
  for (const auto& path : paths) requests.emplace_back(boost::beast::http::verb::get, path, 11);
  const http::ClientInfo client{"127.0.0.1"};
  std::vector<double> rounds;
  HandlerFigures f;
  for (int r = 0; r < 5; ++r) {
    const double t0 = thread_seconds();
    for (std::size_t i = 0; i < n; ++i) {
      f.errors += api.answer(requests[(i * 7919) % requests.size()], client).result_int() != 200;
    }
    rounds.push_back((thread_seconds() - t0) * 1e9 / static_cast<double>(n));
  }
  if (f.errors != 0) {
    f.failure = with_commas(f.errors) + " of " + with_commas(5 * n) + " answers were not 200";
  }
  f.ns = median(rounds);
  return f;
}

// ---------------------------------------------------------------- 4. push latency
// A run's figures, or why there are none: `failure` is empty only when every client got every
// round's update of its token and no socket failed.
struct PushFigures {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t pushes = 0;  // updates received, all rounds
  std::string failure;
};

// Lifecycle: the constructor connects and subscribes every client (throws on a socket error)
// and starts the reading thread; reset()/arrived() from the measuring thread; the destructor
// closes the sockets on the reading thread and joins it.
class PushClients {
 public:
  PushClients(int port, int n, const core::Address& token)
      : token_(token.to_string()), arrived_(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) {
      auto ws = std::make_shared<websocket::stream<beast::tcp_stream>>(io_);
      beast::get_lowest_layer(*ws).connect(
          tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
      ws->handshake("127.0.0.1", "/v1/stream");
      const std::string subscribe = "{\"op\":\"subscribe\",\"tokens\":[\"" + token_ + "\"]}";
      ws->write(asio::buffer(subscribe));
      clients_.push_back(ws);
      read(static_cast<std::size_t>(i));
    }
    thread_ = std::thread([this] { io_.run(); });
  }
  ~PushClients() {
    closing_.store(true);
    asio::post(io_, [this] {
      for (auto& ws : clients_) {
        beast::error_code ignored;
        beast::get_lowest_layer(*ws).socket().close(ignored);
      }
    });
    thread_.join();
  }
  PushClients(const PushClients&) = delete;
  PushClients& operator=(const PushClients&) = delete;
  void reset() {
    for (auto& a : arrived_) a.store(0);
  }
  // Nanoseconds (steady clock) when client i last got an update; 0: not yet.
  std::int64_t arrived(std::size_t i) const { return arrived_[i].load(); }
  std::size_t size() const { return clients_.size(); }
  // Reads that failed before the clients were closed, and updates about another token.
  std::uint64_t socket_errors() const { return socket_errors_.load(); }
  std::uint64_t wrong_updates() const { return wrong_updates_.load(); }

 private:
  void read(std::size_t i) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    clients_[i]->async_read(*buffer, [this, i, buffer](beast::error_code ec, std::size_t) {
      if (ec) {
        if (!closing_.load()) ++socket_errors_;
        return;
      }
      const auto data = buffer->cdata();
      const std::string_view text(static_cast<const char*>(data.data()), data.size());
      if (text.find("\"type\":\"update\"") != std::string_view::npos) {
        if (text.find(token_) == std::string_view::npos) ++wrong_updates_;
        arrived_[i].store(Clock::now().time_since_epoch().count());
      }
      read(i);
    });
  }
  std::string token_;
  asio::io_context io_;
  std::vector<std::shared_ptr<websocket::stream<beast::tcp_stream>>> clients_;
  std::vector<std::atomic<std::int64_t>> arrived_;
  std::atomic<bool> closing_{false};
  std::atomic<std::uint64_t> socket_errors_{0}, wrong_updates_{0};
  std::thread thread_;
};

PushFigures push_rounds(PushClients& clients, processors::StatsStore& store,
                        const core::Address& token, std::uint64_t& id_seq) {
  std::this_thread::sleep_for(milliseconds(500));  // snapshots delivered
  std::vector<double> latencies;
  PushFigures f;
  for (int round = 0; round < 7; ++round) {
    clients.reset();
    core::Swap s;
    s.id.value = "0xpush" + std::to_string(id_seq++);
    s.token = token;
    s.amount_usd.value = 1'000'000 + id_seq;
    const auto t0 = Clock::now();
    {
      auto lock = store.update();
      auto* state = store.partition(processors::StateKey{processors::Input::swaps, 0});
      s.timestamp = state->clock();
      (void)state->apply(s, stream::fingerprint(s.id.value));
    }
    store.bump_version();
    const auto deadline = t0 + std::chrono::seconds(10);
    std::size_t got = 0;
    while (Clock::now() < deadline) {
      got = 0;
      for (std::size_t i = 0; i < clients.size(); ++i) got += clients.arrived(i) != 0;
      if (got == clients.size()) break;
      std::this_thread::sleep_for(milliseconds(1));
    }
    f.pushes += got;
    if (got != clients.size()) {
      f.failure = "round " + std::to_string(round + 1) + ": " + std::to_string(got) + " of " +
                  std::to_string(clients.size()) + " clients got the update within 10 s";
      return f;
    }
    for (std::size_t i = 0; i < clients.size(); ++i) {
      latencies.push_back(static_cast<double>(clients.arrived(i) - t0.time_since_epoch().count()) /
                          1e6);
    }
    std::this_thread::sleep_for(milliseconds(30));
  }
  if (clients.socket_errors() != 0 || clients.wrong_updates() != 0) {
    f.failure = std::to_string(clients.socket_errors()) + " socket errors, " +
                std::to_string(clients.wrong_updates()) + " updates about another token";
    return f;
  }
  std::sort(latencies.begin(), latencies.end());
  f.p50_ms = latencies[latencies.size() / 2];
  f.p99_ms = latencies[latencies.size() * 99 / 100];
  f.max_ms = latencies.back();
  return f;
}

PushFigures push_latency(processors::StatsStore& store, int port, int clients_count,
                         const core::Address& token, std::uint64_t& id_seq) {
  PushFigures f;
  try {
    PushClients clients(port, clients_count, token);
    f = push_rounds(clients, store, token, id_seq);
  } catch (const std::exception& e) {
    f.failure = std::string("a client could not connect or subscribe: ") + e.what();
  }
  if (f.failure.empty() && f.pushes == 0) f.failure = "no update pushed";
  if (!f.failure.empty())
    std::fprintf(stderr, "push, %d clients: %s\n", clients_count, f.failure.c_str());
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t events = 1'000'000;
  int rounds = 5;
  std::size_t memory_tokens = 100'000;
  int seconds = 8;
  int clients = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long value = std::atol(argv[i + 1]);
    if (flag == "--events") events = static_cast<std::size_t>(value);
    if (flag == "--rounds") rounds = static_cast<int>(value);
    if (flag == "--tokens") memory_tokens = static_cast<std::size_t>(value);
    if (flag == "--seconds") seconds = static_cast<int>(value);
    if (flag == "--clients") clients = static_cast<int>(value);
  }
  spdlog::set_level(spdlog::level::warn);
  const auto config = default_windows();
  std::printf("stats_bench on %u cores, load %s\n", std::thread::hardware_concurrency(),
              bench::load_average().c_str());

  // 1. aggregation
  std::vector<core::Address> tokens;
  const auto swaps = make_stream(events, 1000, 42, tokens);
  auto agg = aggregation(swaps, config, rounds);
  std::printf(
      "\n== aggregation: %s swaps over 1,000 tokens (skewed), 5%% duplicates, 5%% out of "
      "order; thread CPU time, median of %d ==\n",
      with_commas(events).c_str(), rounds);
  std::printf("| loop | events/s | vs reference |\n|---|---:|---:|\n");
  std::printf("| PartitionState::apply (dedup, 3 windows of 5s buckets, traders) | %s | %.2f |\n",
              with_commas(static_cast<std::uint64_t>(agg.rate)).c_str(),
              agg.rate / agg.reference_rate);
  std::printf("| reference: one hash-map running total per token | %s | 1.00 |\n",
              with_commas(static_cast<std::uint64_t>(agg.reference_rate)).c_str());
  std::printf("target >= 2,000,000 events/s: %s\n", agg.rate >= 2'000'000 ? "met" : "NOT met");

  // 2. memory
  memory(memory_tokens, config);

  // 3. HTTP: the aggregated state behind the real API and server.
  processors::StatsStore store({config, config.largest().length, std::chrono::seconds(5), false});
  {
    auto lock = store.update();
    store.install(processors::StateKey{processors::Input::swaps, 0}, std::move(agg.state));
  }
  cli::StatsApi api(store, http::ApiKeys{}, 0);
  http::HttpServerOptions options;
  options.address = "127.0.0.1";
  options.name = "bench";
  http::HttpServer server(
      options,
      [&api](const http::Request& r, const http::ClientInfo& c) { return api.answer(r, c); },
      [&api](tcp::socket s, http::Request r, http::ClientInfo c) {
        api.upgrade(std::move(s), std::move(r), c);
      });
  http::WebSocketOptions ws_options;
  ws_options.push_interval = milliseconds(5);
  http::WebSocketHub hub(server.io_context(), ws_options, api.push_source());
  api.hub = &hub;
  if (!server.start().ok()) return 1;
  hub.start();
  // Every token's answer before any figure: 200, about that token, with its windows.
  std::vector<std::string> token_paths;
  for (const auto& t : tokens) token_paths.push_back("/v1/tokens/" + t.to_string() + "/stats");
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const http::Request request{boost::beast::http::verb::get, token_paths[i], 11};
    const auto answer = api.answer(request, {"127.0.0.1"});
    if (answer.result_int() != 200 ||
        answer.body().find(tokens[i].to_string()) == std::string::npos ||
        answer.body().find("\"windows\"") == std::string::npos) {
      std::fprintf(stderr, "http: %s answered %d: %s\n", token_paths[i].c_str(),
                   answer.result_int(), answer.body().substr(0, 200).c_str());
      return 1;
    }
  }
  const std::string stats_script =
      "/tmp/tokenflow-stats-bench-" + std::to_string(getpid()) + ".lua";
  const std::string health_script =
      "/tmp/tokenflow-stats-bench-" + std::to_string(getpid()) + "-healthz.lua";
  write_wrk_script(stats_script, token_paths);
  write_wrk_script(health_script, {});
  const auto stats_handler = handler_ns(api, token_paths, 200'000);
  const auto health_handler = handler_ns(api, {"/healthz"}, 200'000);
  const auto stats = run_wrk(server.port(), stats_script, seconds, "/");
  const auto health = run_wrk(server.port(), health_script, seconds, "/healthz");
  std::remove(stats_script.c_str());
  std::remove(health_script.c_str());
  bool failed = false;
  // A run that failed prints why in place of its figures: a rate of failed requests is no result.
  auto wrk_row = [&](const char* name, const WrkFigures& f) {
    if (!f.failure.empty()) {
      failed = true;
      std::printf("| %s | FAILED: %s | | |\n", name, f.failure.c_str());
      return;
    }
    std::printf("| %s | %s | %.3f | %.3f |\n", name,
                with_commas(static_cast<std::uint64_t>(f.rps)).c_str(), f.p50_ms, f.p99_ms);
  };
  std::printf(
      "\n== HTTP: wrk (second process, 1 thread, 16 connections, %d s each, statuses "
      "counted by a Lua hook), server 1 thread, 1,000 tokens ==\n",
      seconds);
  std::printf("| endpoint | 200 answers/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n");
  wrk_row("GET /v1/tokens/{random token}/stats", stats);
  wrk_row("reference: GET /healthz", health);
  if (stats.failure.empty() && health.failure.empty()) {
    std::printf("target p99 < 2 ms at >= 20,000 requests/s: %s\n",
                stats.rps >= 20'000 && stats.p99_ms < 2 ? "met" : "NOT met");
  }
  auto handler_row = [&](const char* name, const HandlerFigures& f) {
    if (!f.failure.empty()) {
      failed = true;
      std::printf("| %s | FAILED: %s |\n", name, f.failure.c_str());
      return;
    }
    std::printf("| %s | %.0f |\n", name, f.ns);
  };
  std::printf(
      "\n== HTTP handler alone, in process (no network): thread CPU per request, median of 5 ==\n");
  std::printf("| handler | ns per request |\n|---|---:|\n");
  handler_row("GET /v1/tokens/{random token}/stats", stats_handler);
  handler_row("reference: GET /healthz", health_handler);

  // 4. push latency
  std::uint64_t seq = 0;
  const auto one = push_latency(store, server.port(), 1, tokens[0], seq);
  const auto many = push_latency(store, server.port(), clients, tokens[0], seq);
  std::printf(
      "\n== push latency: swap applied -> update received, push interval 5 ms, 7 rounds ==\n");
  std::printf("| clients | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|\n");
  auto push_row = [&](const std::string& name, const PushFigures& f) {
    if (!f.failure.empty()) {
      failed = true;
      std::printf("| %s | FAILED: %s | | |\n", name.c_str(), f.failure.c_str());
      return;
    }
    std::printf("| %s | %.2f | %.2f | %.2f |\n", name.c_str(), f.p50_ms, f.p99_ms, f.max_ms);
  };
  push_row(std::to_string(clients), many);
  push_row("reference: 1", one);
  hub.stop();
  server.stop();
  if (failed) std::fprintf(stderr, "stats_bench: FAILED: a part above has no figures\n");
  return failed ? 1 : 0;
}
