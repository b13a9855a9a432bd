// StatsRole: the statistics service as one object, so that `tokenflow stats` and `tokenflow
// up` run the same code. It owns the store, the consumer loop (StatsService), the directory
// and the HTTP API; the HTTP server is the caller's, so `up` can serve the API beside the
// dashboard on one address.
//
// Lifecycle: create() (validates the settings, learns the topics' partitions, creates the
// directory topic when missing), then an HTTP server is built whose handler calls api(),
// then attach(server) once the server has started (the WebSocket hub runs on its threads,
// and the port is known for the advertised URL), then run() on one thread until the stop
// signal; detach() before the server stops, close() after it stopped and before it is
// destroyed (the hub's timer lives on the server's io_context). The probes may be read from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/kafka_flags.hpp"
#include "cli/metrics_endpoint.hpp"
#include "cli/stats_api.hpp"
#include "cli/topics.hpp"
#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "core/token_registry.hpp"
#include "http/http_server.hpp"
#include "http/websocket_hub.hpp"
#include "kafka/producer.hpp"
#include "processors/stats/stats_directory.hpp"
#include "processors/stats/stats_service.hpp"
#include "processors/stats/stats_store.hpp"

namespace tokenflow::cli {

struct StatsFlags {
  KafkaFlags kafka;  // the command's; up passes its own cluster
  std::string topic{kSwapsTopic};
  std::string transfers_topic;  // empty: swaps only
  std::string registry_file;
  std::string group = "tokenflow-stats";
  std::string windows = "5m,1h,24h";
  std::string bucket_step = "5s";
  std::string dedup_ttl;  // empty: the largest window
  std::string max_skew = "5s";
  std::string backpressure = "block";
  std::size_t queue_messages = 65'536;
  std::string checkpoint_interval = "5s";
  std::string state_dir = "tokenflow-stats-state";
  std::string push_interval = "250ms";
  std::vector<std::string> api_keys;
  double rate_limit = 0;
  std::string listen = "0.0.0.0:8080";
  int http_threads = 1;
  std::size_t max_request_bytes = 16 * 1024;
  std::string idle_timeout = "30s";
  std::uint64_t max_records = 0;
  std::string advertise_url;  // empty: http://<listen address>
  std::string directory_topic{kDirectoryTopic};
  // /metrics on a port of its own too (the same text as --listen's /metrics), for a
  // Prometheus that scrapes every role the same way.
  MetricsFlags metrics;
};

// "host:port" -> its parts; false (logged, naming `flag`) when it is not one.
bool parse_listen(const std::string& flag, const std::string& listen, std::string& host,
                  std::uint16_t& port);

class StatsRole {
 public:
  // Logs why and returns nullptr (with `exit_code` set to kExitUsage or kExitFailure) when
  // the settings are wrong or Kafka cannot tell the topics' partitions.
  static std::unique_ptr<StatsRole> create(const StatsFlags& flags,
                                           const kafka::ClientConfig& config, int& exit_code);
  ~StatsRole();

  StatsApi& api() { return *api_; }
  // Server options from --listen, --http-threads, --max-request-bytes, --idle-timeout.
  http::HttpServerOptions server_options() const;
  // Starts the WebSocket hub on the server and announces this instance in the directory.
  void attach(http::HttpServer& server);
  void detach();
  void close();
  // Consumes until the stop signal (or --max-records). Errors: a fatal Kafka error.
  core::Result<void> run(const core::StopSignal& stop);

  const processors::StatsProbe& probe() const { return service_->probe(); }
  std::size_t tokens_tracked() const { return store_->token_count(); }
  bool ready() const { return service_->ready() && directory_->caught_up(); }

 private:
  StatsRole() = default;
  void add_metrics(http::PrometheusWriter& out) const;

  StatsFlags flags_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::chrono::milliseconds push_interval_{250};
  std::chrono::milliseconds idle_timeout_{30'000};
  std::optional<core::TokenRegistry> registry_;
  std::unique_ptr<processors::StatsStore> store_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<processors::StatsService> service_;
  std::unique_ptr<processors::StatsDirectory> directory_;
  std::unique_ptr<StatsApi> api_;
  std::unique_ptr<http::WebSocketHub> hub_;
};

}  // namespace tokenflow::cli
