// Routes librdkafka's own log lines (broker connections, rebalances, warnings) into spdlog,
// so they share the process's format and level instead of going straight to stderr.
#pragma once

#include <librdkafka/rdkafka.h>

namespace tokenflow::kafka {

// Installs the bridge on `conf`. librdkafka calls it from its internal threads; spdlog's
// loggers are thread-safe. Each line reads "kafka <client name> <facility>: <text>".
void route_logs_to_spdlog(rd_kafka_conf_t* conf) noexcept;

// The bridge itself, for a handle that filters lines before passing them on.
void log_to_spdlog(const rd_kafka_t* rk, int level, const char* facility, const char* text);

}  // namespace tokenflow::kafka
