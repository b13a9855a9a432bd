#include "sinks/redis_url.hpp"

#include <charconv>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX -> the byte; false on a '%' not followed by two hex digits.
bool redis_url_percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    const int high = i + 1 < in.size() ? hex_digit_value(in[i + 1]) : -1;
    const int low = i + 2 < in.size() ? hex_digit_value(in[i + 2]) : -1;
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

// The URL for error messages: everything but the password.
std::string redis_url_without_password(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const std::size_t rest = scheme_end + 3;
  const std::size_t authority_end = std::min(url.find('/', rest), url.size());
  const std::size_t at = url.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < rest) return std::string(url);
  std::string_view userinfo = url.substr(rest, at - rest);
  const std::size_t colon = userinfo.find(':');
  std::string out(url.substr(0, rest));
  if (colon != std::string_view::npos) out += userinfo.substr(0, colon);
  out += colon != std::string_view::npos && colon > 0 ? "@" : "";
  out += url.substr(at + 1);
  return out;
}

bool parse_small_int(std::string_view text, int max, int& out) {
  if (text.empty()) return false;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return false;
  }
  out = value;
  return true;
}

}  // namespace

core::Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return make_error(errc::rejected, "REDIS_URL '" + redis_url_without_password(url) +
                                          "' is not a Redis URL: " + why +
                                          " (expected redis://[[user]:password@]host[:port][/db]"
                                          " or rediss:// for TLS)");
  };
  RedisEndpoint endpoint;
  std::string_view rest;
  if (url.starts_with("redis://")) {
    rest = url.substr(8);
  } else if (url.starts_with("rediss://")) {
    endpoint.tls = true;
    rest = url.substr(9);
  } else {
    return bad("the scheme must be redis:// or rediss://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return bad("query parameters are not supported (the TLS settings are flags: --redis-ca)");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);

  const std::size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    const std::size_t colon = userinfo.find(':');
    std::string_view user = colon == std::string_view::npos ? std::string_view() : userinfo.substr(0, colon);
    std::string_view password = colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
    if (!redis_url_percent_decode(user, endpoint.user) ||
        !redis_url_percent_decode(password, endpoint.password)) {
      return bad("a '%' in the user or password is not followed by two hex digits");
    }
  }

  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 host's '[' has no ']'");
    endpoint.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("unexpected text after the IPv6 host");
      port = after.substr(1);
      if (port.empty()) return bad("the port after ':' is empty");
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad("the port after ':' is empty");
    }
  }
  if (endpoint.host.empty()) return bad("no host");
  if (!port.empty() && (!parse_small_int(port, 65535, endpoint.port) || endpoint.port == 0)) {
    return bad("port '" + std::string(port) + "' is not a number from 1 to 65535");
  }
  if (!path.empty() && !parse_small_int(path, 1'000'000, endpoint.db)) {
    return bad("the path '/" + std::string(path) + "' is not a database number");
  }
  return endpoint;
}

std::string describe_redis_endpoint(const RedisEndpoint& endpoint) {
  std::string out = endpoint.tls ? "rediss://" : "redis://";
  if (!endpoint.user.empty()) out += endpoint.user + "@";
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  out += ipv6 ? "[" + endpoint.host + "]" : endpoint.host;
  out += ":" + std::to_string(endpoint.port) + "/" + std::to_string(endpoint.db);
  return out;
}

}  // namespace tokenflow::sinks
