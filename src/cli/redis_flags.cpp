#include "cli/redis_flags.hpp"


#include "sinks/errc.hpp"

namespace tokenflow::cli {

void add_redis_flags(CLI::App& command, RedisFlags& flags, bool url_from_env) {
  auto* url = command.add_option(
      "--redis-url", flags.url,
      std::string("Redis URL: redis://[[user]:password@]host[:port][/db], or rediss:// for TLS "
                  "(user and password percent-encoded)") +
          (url_from_env ? " (default " + std::string(kDefaultRedisUrl) + ")" : ""));
  if (url_from_env) url->envname("REDIS_URL");
  command
      .add_option("--redis-ca", flags.ca_file,
                  "For rediss://: PEM file of the CA certificates that sign the server's "
                  "(default: the system's store)")
      ->check(CLI::ExistingFile);
  command.add_option("--key-prefix", flags.key_prefix, "Prefix of every key the Redis sink writes")
      ->capture_default_str();
}

core::Result<sinks::RedisStoreOptions> to_redis_store_options(const RedisFlags& flags,
                                                               const std::string& group) {
  sinks::RedisStoreOptions options;
  auto endpoint = sinks::parse_redis_url(flags.url.empty() ? kDefaultRedisUrl : flags.url);
  if (!endpoint.ok()) return std::move(endpoint).error();
  if (!flags.ca_file.empty() && !endpoint->tls) {
    return sinks::make_error(sinks::errc::rejected,
                             "--redis-ca is for TLS: use a rediss:// URL, or drop --redis-ca");
  }
  options.connection.endpoint = std::move(endpoint).value();
  options.connection.ca_file = flags.ca_file;
  options.key_prefix = flags.key_prefix;
  options.group = group;
  if (auto valid = sinks::RedisStore::validate(options); !valid.ok()) return std::move(valid).error();
  return options;
}

}  // namespace tokenflow::cli
