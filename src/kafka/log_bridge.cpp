#include "kafka/log_bridge.hpp"

#include <spdlog/spdlog.h>

namespace tokenflow::kafka {
namespace {

spdlog::level::level_enum to_spdlog(int syslog_level) noexcept {
  // syslog levels: 0 emerg .. 3 err, 4 warning, 5 notice, 6 info, 7 debug.
  if (syslog_level <= 3) return spdlog::level::err;
  if (syslog_level == 4) return spdlog::level::warn;
  if (syslog_level <= 6) return spdlog::level::info;
  return spdlog::level::debug;
}

}  // namespace

void log_to_spdlog(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
  spdlog::log(to_spdlog(level), "kafka {} {}: {}", rk != nullptr ? rd_kafka_name(rk) : "-",
              facility != nullptr ? facility : "-", text != nullptr ? text : "");
}

void route_logs_to_spdlog(rd_kafka_conf_t* conf) noexcept {
  rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
}

}  // namespace tokenflow::kafka
