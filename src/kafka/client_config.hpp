// ClientConfig: what every Kafka role needs to reach a cluster (bootstrap servers and the
// user's -X key=value librdkafka properties), and the one place that turns it into a
// librdkafka configuration with every property checked.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "kafka/handles.hpp"

namespace tokenflow::kafka {

using Property = std::pair<std::string, std::string>;  // librdkafka key, value
using Properties = std::vector<Property>;

struct ClientConfig {
  // "host:port[,host:port...]" (--kafka-bootstrap / KAFKA_BOOTSTRAP_SERVERS). May be empty
  // only when `properties` sets bootstrap.servers itself.
  std::string bootstrap_servers{};
  // -X key=value passthrough (SASL/SSL included), applied after every default so they win.
  Properties properties{};
};

// Parses one "key=value" (the text after -X). The value may contain '=' and may be empty;
// the key may not be empty nor contain whitespace. Errors name the text and the expected form.
core::Result<Property> parse_property(std::string_view text);

// Parses each text with parse_property; the first bad one is the error.
core::Result<Properties> parse_properties(std::span<const std::string> texts);

// The value the user set for `key` (the last one wins, as it does in make_conf), if any.
std::optional<std::string> find_property(const ClientConfig& config, std::string_view key);

// Builds a librdkafka configuration: bootstrap.servers, then `role_defaults` in order, then
// the user's properties; log lines are routed to spdlog. Every rd_kafka_conf_set is checked
// and a failure names the key, the value (secrets redacted) and librdkafka's reason.
// Errors: kafka::errc::invalid_config.
core::Result<ConfHandle> make_conf(const ClientConfig& config,
                                   const Properties& role_defaults = {});

// Sets one property, checked as make_conf does.
core::Result<void> set_property(rd_kafka_conf_t* conf, const std::string& key,
                                const std::string& value);

// Whether a property's value must not appear in log lines or errors (passwords, keys).
bool is_secret_property(std::string_view key) noexcept;

}  // namespace tokenflow::kafka
