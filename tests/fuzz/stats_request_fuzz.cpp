// Fuzzer for the statistics API's request parser (the target of any HTTP request from
// outside): any bytes must give a StatsQuery or an error of the http category with a
// non-empty reason; never a crash, a hang or a sanitizer report. A query must be within its
// promises (a window of the server's, a limit from 1 to 1000) and the canonical target that
// asks for it must be read back as the same query.
#include <string>

#include "cli/stats_query.hpp"
#include "fuzz_check.hpp"
#include "http/errc.hpp"

namespace {

using tokenflow::cli::StatsQuery;

std::string canonical_target(const StatsQuery& query) {
  switch (query.endpoint) {
    case StatsQuery::Endpoint::healthz:
      return "/healthz";
    case StatsQuery::Endpoint::readyz:
      return "/readyz";
    case StatsQuery::Endpoint::metrics:
      return "/metrics";
    case StatsQuery::Endpoint::token_stats:
      return "/v1/tokens/" + query.token.to_string() + "/stats";
    case StatsQuery::Endpoint::top_tokens:
      break;
  }
  constexpr const char* kSorts[] = {"volume", "count", "traders"};
  return "/v1/tokens?window=" + query.window->name +
         "&sort=" + kSorts[static_cast<int>(query.sort)] + "&limit=" + std::to_string(query.limit);
}

bool same(const StatsQuery& a, const StatsQuery& b) {
  return a.endpoint == b.endpoint && a.token == b.token && a.window == b.window &&
         a.sort == b.sort && a.limit == b.limit;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tokenflow;
  static const stream::WindowConfig windows = *stream::WindowConfig::parse("5m,1h,24h", "5s");
  auto query = cli::parse_stats_query(fuzz::as_text(data, size), windows);
  if (!query.ok()) {
    fuzz::check_error(query.error(), http::http_category());
    fuzz::require(query.error().code == http::errc::not_found ||
                  query.error().code == http::errc::bad_request);
    return 0;
  }
  if (query->endpoint == StatsQuery::Endpoint::top_tokens) {
    fuzz::require(query->window != nullptr && query->limit >= 1 &&
                  query->limit <= StatsQuery::kMaxLimit);
  }
  auto again = cli::parse_stats_query(canonical_target(*query), windows);
  fuzz::require(again.ok() && same(*again, *query));
  return 0;
}
