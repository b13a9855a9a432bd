// price_poller_bench: the price poller's cost per fetch cycle for 1,000 assets, per source,
// against the local price API (tests/support/price_api_server, the real answer shapes),
// publishing to an in-process embedded Kafka cluster; beside two references measured in the
// same run on the same answers: the HTTP fetch alone (the same GETs with http::HttpClient,
// no parsing) and simdjson's DOM parse of the same bodies.
//
//   price_poller_bench [--assets N] [--cycles C]
//
// Conditions (printed in the header): N assets (default 1,000) quoted by all three sources
// (CoinGecko in requests of 250 ids, Binance's whole list of 2N pairs filtered, Coinbase
// one GET per asset), C cycles per source (default 5), each preceded by new CoinGecko
// timestamps so every asset publishes every cycle. The figure is the median over the cycles
// of the poller thread's CPU time (HTTP client, parsing, dedup, encoding, producing; the
// server and librdkafka's own threads excluded) and its wall-clock time, including the flush.
// Before printing, the bench checks its answer: every cycle published exactly N ticks per
// source, and the ticks' prices read back exactly as scripted.
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "kafka/embedded_cluster.hpp"
#include "sources/price_poller.hpp"
#include "support/child_process.hpp"
#include "support/price_api_server.hpp"

namespace {

using namespace tokenflow;
using Clock = std::chrono::steady_clock;

double poller_thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string price_text(std::size_t i) { return std::to_string(i + 1) + ".000123456789"; }

struct Figures {
  double cpu_ms = 0, wall_ms = 0, fetch_cpu_ms = 0, fetch_wall_ms = 0, parse_ms = 0;
  std::size_t requests = 0, body_bytes = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t assets_count = 1000;
  int cycles = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--assets") == 0) assets_count = std::stoul(argv[i + 1]);
    if (std::strcmp(argv[i], "--cycles") == 0) cycles = std::stoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::err);
  const std::string dir = testing::make_temp_dir("price-bench");
  testing::PriceApiServer server(dir + "/price-api.log", static_cast<int>(assets_count));
  // Scripted prices: asset i is "coin-i", symbol Ci, quoted everywhere.
  std::vector<std::string> ids;
  sources::AssetMap map;
  std::string binance = "{\"binance\":{", coinbase = "{\"coinbase\":{";
  for (std::size_t i = 0; i < assets_count; ++i) {
    ids.push_back("coin-" + std::to_string(i));
    const std::string symbol = "C" + std::to_string(i);
    map[ids.back()].symbol = symbol;
    binance += (i ? ",\"" : "\"") + symbol + "USDT\":\"" + price_text(i) + "00\"";
    coinbase += (i ? ",\"" : "\"") + symbol + "\":\"" + price_text(i) + "\"";
  }
  server.set_prices(binance + "}}");
  server.set_prices(coinbase + "}}");
  auto set_coingecko_time = [&](std::int64_t seconds) {
    std::string json = "{\"coingecko\":{";
    for (std::size_t i = 0; i < assets_count; ++i) {
      json += (i ? ",\"" : "\"") + ids[i] + "\":{\"usd\":\"" + price_text(i) +
              "\",\"usd_24h_vol\":\"123456789.25\",\"usd_24h_change\":\"-0.5\",\"last_updated_at\":" +
              std::to_string(seconds) + "}";
    }
    server.set_prices(json + "}}");
  };
  auto assets = sources::resolve_price_assets(ids, map, core::TokenRegistry::builtin());
  if (!assets.ok()) bench::fail(assets.error().message);
  auto cluster = kafka::EmbeddedCluster::create(1);
  if (!cluster.ok()) bench::fail(cluster.error().message);
  if (!(*cluster)->create_topic("market.prices", 12).ok()) bench::fail("create topic");
  auto producer = kafka::Producer::create((*cluster)->client_config());
  if (!producer.ok()) bench::fail(producer.error().message);

  const core::StopSignal stop;
  std::vector<std::pair<std::string, Figures>> rows;
  std::int64_t clock_seconds = 1'717'000'000;
  for (auto kind : {sources::PriceApiKind::coingecko, sources::PriceApiKind::binance,
                    sources::PriceApiKind::coinbase}) {
    sources::PriceProbe probe;
    sources::SourceProbe source_probe;
    http::HttpOptions http_options;
    auto make_api = [&] { return sources::make_price_api(kind, {server.base_url(), ""}, *assets); };
    std::vector<std::unique_ptr<sources::PriceFetcher>> fetchers;
    fetchers.push_back(std::make_unique<sources::PriceFetcher>(make_api(), http_options,
                                                               sources::PriceFetchOptions{},
                                                               probe.of(kind)));
    sources::PricePollerOptions options;
    options.once = true;
    sources::PricePoller poller(options, *assets, std::move(fetchers), **producer, source_probe, probe);
    std::vector<double> cpu, wall;
    for (int c = 0; c < cycles + 1; ++c) {  // the first cycle warms the connection up
      set_coingecko_time(++clock_seconds);
      const double cpu_start = poller_thread_cpu_ms();
      const auto wall_start = Clock::now();
      auto cycle = poller.run_cycle(stop);
      if (!cycle.ok()) bench::fail(cycle.error().message);
      if (cycle->published != assets_count) {
        bench::fail(std::string(sources::price_api_name(kind)) + " published " +
                    std::to_string(cycle->published) + " of " + std::to_string(assets_count));
      }
      if (c == 0) continue;
      cpu.push_back(poller_thread_cpu_ms() - cpu_start);
      wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - wall_start).count());
    }
    // The references: the same GETs alone, and simdjson's DOM parse of their bodies.
    auto api = make_api();
    http::HttpClient http(http_options);
    std::vector<double> fetch_cpu, fetch_wall, parse;
    std::vector<std::string> bodies;
    Figures f;
    for (int c = 0; c < cycles + 1; ++c) {
      bodies.clear();
      const double cpu_start = poller_thread_cpu_ms();
      const auto wall_start = Clock::now();
      for (const auto& request : api->requests()) {
        auto answer = http.get(request.url);
        if (!answer.ok() || answer->status != 200) bench::fail("reference GET " + request.url);
        bodies.push_back(std::move(answer->body));
      }
      const double fetched = poller_thread_cpu_ms();
      simdjson::dom::parser parser;
      for (const auto& body : bodies) {
        simdjson::dom::element root;
        if (parser.parse(body).get(root) != simdjson::SUCCESS) bench::fail("reference parse");
      }
      if (c == 0) continue;
      fetch_cpu.push_back(fetched - cpu_start);
      fetch_wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - wall_start).count());
      parse.push_back(poller_thread_cpu_ms() - fetched);
    }
    // The answer: the last bodies parse into exactly the scripted prices.
    sources::PriceAnswer answer;
    for (std::size_t r = 0; r < bodies.size(); ++r) {
      if (!api->parse(api->requests()[r], bodies[r], core::now_millis(), answer).ok()) {
        bench::fail("the reference bodies do not parse");
      }
    }
    if (answer.quotes.size() != assets_count) bench::fail("a body lacks quotes");
    for (const auto& quote : answer.quotes) {
      if (quote.price_usd.to_string() != price_text(quote.asset)) {
        bench::fail("price of " + ids[quote.asset] + " read as " + quote.price_usd.to_string());
      }
    }
    f.cpu_ms = bench::median(cpu);
    f.wall_ms = bench::median(wall);
    f.fetch_cpu_ms = bench::median(fetch_cpu);
    f.fetch_wall_ms = bench::median(fetch_wall);
    f.parse_ms = bench::median(parse);
    f.requests = api->requests().size();
    for (const auto& body : bodies) f.body_bytes += body.size();
    rows.emplace_back(std::string(sources::price_api_name(kind)), f);
  }
  const auto& delivered = (*producer)->probe();
  if ((*producer)->flush(std::chrono::seconds(30)).ok() == false) bench::fail("final flush");
  const double bytes_per_tick = static_cast<double>(delivered.delivered_bytes.get()) /
                                static_cast<double>(std::max<std::uint64_t>(1, delivered.delivered.get()));
  std::printf("price_poller_bench: one fetch cycle of %zu assets per source, %d cycles (median), "
              "local price API (Node.js), embedded Kafka (1 broker, 12 partitions), load %s\n",
              assets_count, cycles, bench::load_average().c_str());
  std::printf("%-10s %8s %10s | %12s %12s %8s | %14s %14s %12s\n", "source", "requests",
              "body KiB", "poller CPU ms", "poller wall", "ratio", "fetch-only CPU", "fetch-only wall",
              "DOM parse ms");
  for (const auto& [name, f] : rows) {
    std::printf("%-10s %8zu %10.1f | %12.2f %12.2f %7.2fx | %14.2f %14.2f %12.2f\n", name.c_str(),
                f.requests, static_cast<double>(f.body_bytes) / 1024.0, f.cpu_ms, f.wall_ms,
                f.cpu_ms / std::max(0.001, f.fetch_cpu_ms), f.fetch_cpu_ms, f.fetch_wall_ms,
                f.parse_ms);
  }
  std::printf("bytes per tick on the wire (key + value, uncompressed): %.0f\n", bytes_per_tick);
  std::printf("ratio: the poller thread's CPU per cycle over the fetch-only reference's (same GETs, "
              "same answers, no parsing, no Kafka)\n");
  return 0;
}
