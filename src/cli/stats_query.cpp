#include "cli/stats_query.hpp"

#include <charconv>
#include <string>

#include "http/errc.hpp"
#include "http/query_string.hpp"

namespace tokenflow::cli {
namespace {

core::Result<StatsQuery> top_tokens(std::string_view target, const stream::WindowConfig& windows) {
  StatsQuery query;
  query.endpoint = StatsQuery::Endpoint::top_tokens;
  const std::string_view window_text = http::query_parameter(target, "window");
  query.window = window_text.empty() ? &windows.windows().front() : windows.find(window_text);
  if (query.window == nullptr) {
    std::string names;
    for (const auto& w : windows.windows()) names += (names.empty() ? "" : ", ") + w.name;
    return http::make_error(http::errc::bad_request, "unknown window '" + std::string(window_text) +
                                                         "'; this server keeps " + names);
  }
  const std::string_view sort_text = http::query_parameter(target, "sort");
  if (sort_text == "count") {
    query.sort = processors::SortKey::count;
  } else if (sort_text == "traders") {
    query.sort = processors::SortKey::traders;
  } else if (!sort_text.empty() && sort_text != "volume") {
    return http::make_error(http::errc::bad_request, "unknown sort '" + std::string(sort_text) +
                                                         "'; use volume, count or traders");
  }
  const std::string_view limit_text = http::query_parameter(target, "limit");
  if (!limit_text.empty()) {
    const char* end = limit_text.data() + limit_text.size();
    auto [stop, ec] = std::from_chars(limit_text.data(), end, query.limit);
    if (ec != std::errc() || stop != end || query.limit == 0 ||
        query.limit > StatsQuery::kMaxLimit) {
      return http::make_error(http::errc::bad_request, "limit '" + std::string(limit_text) +
                                                           "' must be a whole number from 1 to " +
                                                           std::to_string(StatsQuery::kMaxLimit));
    }
  }
  return query;
}

}  // namespace

core::Result<StatsQuery> parse_stats_query(std::string_view target,
                                           const stream::WindowConfig& windows) {
  constexpr std::string_view kTokens = "/v1/tokens/";
  constexpr std::string_view kStats = "/stats";
  const std::string_view path = http::target_path(target);
  StatsQuery query;
  if (path == "/healthz") return query;
  if (path == "/readyz") {
    query.endpoint = StatsQuery::Endpoint::readyz;
    return query;
  }
  if (path == "/metrics") {
    query.endpoint = StatsQuery::Endpoint::metrics;
    return query;
  }
  if (path == "/v1/tokens" || path == kTokens) return top_tokens(target, windows);
  if (path.size() >= kTokens.size() + kStats.size() && path.starts_with(kTokens) &&
      path.ends_with(kStats)) {
    const std::string_view token_text =
        path.substr(kTokens.size(), path.size() - kTokens.size() - kStats.size());
    if (!core::Address::try_parse(token_text, query.token)) {
      return http::make_error(
          http::errc::bad_request,
          "'" + std::string(token_text) + "' is not a token address: 0x followed by 40 hex digits");
    }
    query.endpoint = StatsQuery::Endpoint::token_stats;
    return query;
  }
  return http::make_error(http::errc::not_found,
                          "no such endpoint: " + std::string(path) +
                              " (try /v1/tokens/{token}/stats, /v1/tokens, /v1/stream, /metrics)");
}

}  // namespace tokenflow::cli
