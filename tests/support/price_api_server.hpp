// PriceApiServer: the test price API (tests/support/price_api_server/server.js on Node.js)
// as a child process on a loopback port: CoinGecko's, Binance's and Coinbase's answer shapes
// from scripted prices (sent exactly as scripted), plus control calls to script prices,
// inject faults for the next N requests of a route, and read back what it served.
//
// Lifecycle: one test thread owns it; the constructor starts the server and waits until it
// answers (throws std::runtime_error with its log otherwise); the destructor kills it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/http_client.hpp"
#include "support/child_process.hpp"

namespace tokenflow::testing {

// One asset's price in a 200 answer with prices (CoinGecko's, Binance's list, Coinbase's spot).
struct ServedPrice {
  std::string route;                  // coingecko, binance, coinbase
  std::string asset;                  // the CoinGecko id, the Binance pair or the Coinbase base
  std::optional<std::string> price;   // the text sent; nullopt for a null
  std::int64_t last_updated_at = -1;  // CoinGecko's, unix seconds; -1 for the venues
};

struct PriceApiStats {
  std::map<std::string, std::int64_t> requests;  // route -> requests (control calls excluded)
  std::map<std::string, std::int64_t> faults;    // route -> faults applied
  std::vector<std::string> api_keys;             // x-cg-demo-api-key values received
  std::vector<ServedPrice> served;               // in order; only with record_served
};

class PriceApiServer {
 public:
  // `filler`: extra Binance pairs nobody asks for, as the real list holds ~2,000.
  // `record_served`: keep every price served for stats().served (what a test expects as
  // ticks, whichever cycle a fault fell on); off where millions are served (benchmarks).
  explicit PriceApiServer(const std::string& log_path, int filler = 20, bool record_served = false);
  ~PriceApiServer();
  PriceApiServer(const PriceApiServer&) = delete;
  PriceApiServer& operator=(const PriceApiServer&) = delete;

  std::string base_url() const;  // http://127.0.0.1:P (all three APIs)
  double cpu_seconds() const;

  // `usd` and the optional figures are JSON number text, sent as given.
  void set_coingecko(const std::string& id, const std::string& usd, std::int64_t last_updated_at,
                     const std::string& volume = "", const std::string& change = "");
  void set_binance(const std::string& pair, const std::string& price);
  void set_coinbase(const std::string& base, const std::string& amount);
  // Merges raw JSON into the scripted prices (the format of /control/prices).
  void set_prices(const std::string& json);
  // kind: 429, 418, 500, hang, garbage, null, missing; `asset` limits it to requests (and,
  // for null/missing, to the entry) of that id, pair or base.
  void fault(const std::string& route, const std::string& kind, int count = 1,
             const std::string& asset = "", int retry_after_s = 1, int delay_ms = 5000);
  PriceApiStats stats();
  std::string log() const;

 private:
  std::string control(const std::string& path, const std::string& body);

  int port_ = 0;
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
  http::HttpClient http_;
};

// `produce prices` arguments against `server` for `sources`, publishing to `bootstrap` with
// its state in `state_file`, fast retries and a 1 s timeout (tests inject faults), then `extra`.
std::vector<std::string> prices_producer_args(const PriceApiServer& server,
                                              const std::string& sources,
                                              const std::string& bootstrap,
                                              const std::string& state_file,
                                              const std::vector<std::string>& extra = {});

}  // namespace tokenflow::testing
