#include "kafka/client_config.hpp"

#include <algorithm>
#include <array>

#include "core/ascii.hpp"
#include "kafka/errc.hpp"
#include "kafka/log_bridge.hpp"

namespace tokenflow::kafka {

core::Result<Property> parse_property(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return make_error(errc::invalid_config,
                      "-X '" + std::string(text) +
                          "': expected key=value with a librdkafka property name, e.g. -X "
                          "linger.ms=5");
  }
  const std::string_view key = text.substr(0, eq);
  if (key.empty()) {
    return make_error(errc::invalid_config,
                      "-X '" + std::string(text) +
                          "': the property name before '=' is empty; expected key=value, "
                          "e.g. -X linger.ms=5");
  }
  const bool has_space = std::any_of(key.begin(), key.end(), core::ascii_space);
  if (has_space) {
    return make_error(errc::invalid_config,
                      "-X '" + std::string(text) + "': the property name '" + std::string(key) +
                          "' contains whitespace; write key=value without spaces around '='");
  }
  return Property{std::string(key), std::string(text.substr(eq + 1))};
}

core::Result<Properties> parse_properties(std::span<const std::string> texts) {
  Properties out;
  out.reserve(texts.size());
  for (const auto& text : texts) {
    auto property = parse_property(text);
    if (!property) return std::move(property).error();
    out.push_back(std::move(property).value());
  }
  return out;
}

std::optional<std::string> find_property(const ClientConfig& config, std::string_view key) {
  std::optional<std::string> found;
  for (const auto& [k, v] : config.properties) {
    if (k == key) found = v;
  }
  return found;
}

bool is_secret_property(std::string_view key) noexcept {
  static constexpr std::array<std::string_view, 5> kSecretWords = {
      "password", "secret", "ssl.key.pem", "sasl.oauthbearer.config", "ssl_key"};
  return std::any_of(kSecretWords.begin(), kSecretWords.end(), [key](std::string_view word) {
    return key.find(word) != std::string_view::npos;
  });
}

core::Result<void> set_property(rd_kafka_conf_t* conf, const std::string& key,
                                const std::string& value) {
  std::array<char, 512> errstr{};
  const rd_kafka_conf_res_t res =
      rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr.data(), errstr.size());
  if (res == RD_KAFKA_CONF_OK) return core::success();
  const std::string shown = is_secret_property(key) ? "(redacted)" : "'" + value + "'";
  return make_error(errc::invalid_config, "Kafka property " + key + "=" + shown +
                                              " rejected by librdkafka: " + errstr.data() +
                                              "; fix or remove -X " + key);
}

core::Result<ConfHandle> make_conf(const ClientConfig& config, const Properties& role_defaults) {
  ConfHandle conf(rd_kafka_conf_new());
  route_logs_to_spdlog(conf.get());

  const bool bootstrap_in_properties = find_property(config, "bootstrap.servers").has_value() ||
                                       find_property(config, "metadata.broker.list").has_value();
  if (config.bootstrap_servers.empty() && !bootstrap_in_properties) {
    return make_error(errc::invalid_config,
                      "no Kafka bootstrap servers configured: set --kafka-bootstrap or "
                      "KAFKA_BOOTSTRAP_SERVERS (host:port[,host:port])");
  }
  if (!config.bootstrap_servers.empty()) {
    if (auto r = set_property(conf.get(), "bootstrap.servers", config.bootstrap_servers); !r) {
      return std::move(r).error();
    }
  }
  for (const auto& [key, value] : role_defaults) {
    if (auto r = set_property(conf.get(), key, value); !r) return std::move(r).error();
  }
  for (const auto& [key, value] : config.properties) {
    if (auto r = set_property(conf.get(), key, value); !r) return std::move(r).error();
  }
  return conf;
}

}  // namespace tokenflow::kafka
