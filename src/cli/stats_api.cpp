#include "cli/stats_api.hpp"

#include <algorithm>
#include <chrono>

#include "codec/json_writer.hpp"
#include "http/errc.hpp"

namespace tokenflow::cli {
namespace {

using Clock = std::chrono::steady_clock;
namespace bhttp = boost::beast::http;

constexpr std::string_view kJson = "application/json";

}  // namespace

StatsApi::StatsApi(processors::StatsStore& store, http::ApiKeys keys, double rate_limit)
    : store_(store), keys_(std::move(keys)), limiter_(rate_limit) {}

http::Response StatsApi::answer(const http::Request& request, const http::ClientInfo& client) {
  const auto started = Clock::now();
  const std::string_view target(request.target().data(), request.target().size());
  const auto query = parse_stats_query(target, store_.settings().windows);
  using Endpoint = StatsQuery::Endpoint;
  http::Response response;
  if (query.ok() && query->endpoint == Endpoint::healthz) {
    response = http::make_response(request, 200, kJson, "{\"status\":\"ok\"}\n");
  } else if (query.ok() && query->endpoint == Endpoint::readyz) {
    response = ready() ? http::make_response(request, 200, kJson, "{\"status\":\"ready\"}\n")
                       : http::make_error(request, 503, "the partitions' state is not restored yet");
  } else if (!keys_.allows(request)) {
    unauthorized_.add();
    response = http::make_error(request, 401,
                                "this server needs an API key: send 'Authorization: Bearer <key>'");
    response.set(bhttp::field::www_authenticate, "Bearer");
  } else if (!limiter_.take(client.address)) {
    limited_.add();
    response = http::make_error(request, 429,
                                "too many requests from " + client.address + "; slow down");
    response.set(bhttp::field::retry_after, std::to_string(limiter_.retry_after_seconds()));
  } else if (request.method() != bhttp::verb::get) {
    response = http::make_error(request, 405, "only GET is supported");
  } else if (!query.ok()) {
    const bool unknown_path = query.error().code == http::errc::not_found;
    response = http::make_error(request, unknown_path ? 404 : 400, query.error().message);
  } else if (query->endpoint == Endpoint::metrics) {
    response = metrics(request);
  } else if (query->endpoint == Endpoint::top_tokens) {
    response = top_tokens(request, *query);
  } else {
    response = token_stats(request, query->token);
  }
  requests_.add();
  latency_.record(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  return response;
}

http::Response StatsApi::token_stats(const http::Request& request, const core::Address& token) {
  Resolution where = resolve(token);
  switch (where.kind) {
    case Resolution::answer: {
      where.body.push_back('\n');
      auto response = http::make_response(request, 200, kJson, std::move(where.body));
      response.set("X-Tokenflow-Partitions", where.partitions);
      return response;
    }
    case Resolution::redirect: {
      // The same path and query there (an ?api_key goes along).
      const std::string_view target(request.target().data(), request.target().size());
      std::string location = where.url + std::string(target);
      std::string body = "{\"error\":";
      codec::append_json_string(body, where.error);
      body.append(",\"location\":");
      codec::append_json_string(body, location);
      body.append("}\n");
      auto response = http::make_response(request, 307, kJson, std::move(body));
      response.set(bhttp::field::location, location);
      if (directory != nullptr) directory->probe().redirects.add();
      return response;
    }
    case Resolution::failure:
      break;
  }
  auto response = http::make_error(request, where.status, where.error);
  if (where.status == 503) response.set(bhttp::field::retry_after, "1");
  return response;
}

const std::string& StatsApi::topic_of(processors::Input input) const {
  return input == processors::Input::swaps ? swaps_topic : transfers_topic;
}

std::string StatsApi::describe(const processors::Location& location) const {
  std::string out = topic_of(location.key.input) + "[" + std::to_string(location.key.partition) + "]";
  if (location.url.empty()) return out + " (no owner has announced it)";
  return out + " at " + location.url + (location.fresh ? "" : " (not heard from lately)");
}

StatsApi::Resolution StatsApi::resolve(const core::Address& token) {
  Resolution out;
  processors::StateKeys held;
  const auto answer = store_.token_stats(token, out.body, held);
  const std::vector<processors::Location> remote =
      directory != nullptr ? directory->elsewhere(token) : std::vector<processors::Location>{};
  const std::string largest = store_.settings().windows.largest().name;
  if (remote.empty()) {
    switch (answer) {
      case processors::TokenAnswer::found:
        out.kind = Resolution::answer;
        for (const auto& key : held) {
          if (!out.partitions.empty()) out.partitions.push_back(',');
          out.partitions += topic_of(key.input) + ":" + std::to_string(key.partition);
        }
        return out;
      case processors::TokenAnswer::no_events:
        out.error = "token " + token.to_string() + " has no events in the last " + largest;
        return out;
      case processors::TokenAnswer::not_held:
        if (directory != nullptr && !directory->caught_up()) {
          out.status = 503;
          out.error = "this instance is still reading the directory of the group's tokens; "
                      "retry in a moment";
          return out;
        }
        out.error = "token " + token.to_string() + " has no events in the last " + largest;
        return out;
    }
  }
  const bool one_owner = std::all_of(remote.begin(), remote.end(), [&](const auto& l) {
    return l.fresh && !l.url.empty() && l.url == remote.front().url;
  });
  if (answer == processors::TokenAnswer::not_held && one_owner) {
    out.kind = Resolution::redirect;
    out.url = remote.front().url;
    out.error = "token " + token.to_string() + " is held by " + describe(remote.front()) +
                "; ask it there";
    return out;
  }
  out.status = 503;
  out.error = "token " + token.to_string() + " is in partitions owned by more than one instance "
              "or by none that answers:";
  for (const auto& key : held) {
    out.error += " " + topic_of(key.input) + "[" + std::to_string(key.partition) + "] here,";
  }
  for (const auto& location : remote) out.error += " " + describe(location) + ",";
  out.error.back() = ';';
  out.error += " its figures need all of them on one instance (the group is rebalancing, or "
               "its producers spread the token over partitions)";
  return out;
}

http::Response StatsApi::top_tokens(const http::Request& request, const StatsQuery& query) {
  std::string body;
  store_.top_tokens(*query.window, query.sort, query.limit, body);
  body.push_back('\n');
  return http::make_response(request, 200, kJson, std::move(body));
}

http::Response StatsApi::metrics(const http::Request& request) {
  return http::make_response(request, 200, http::kPrometheusContentType, metrics_text());
}

std::string StatsApi::metrics_text() {
  http::PrometheusWriter out;
  out.counter(requests_);
  out.counter(unauthorized_);
  out.counter(limited_);
  out.histogram_seconds("tokenflow_http_request_duration_seconds",
                        "time to answer an HTTP request", latency_);
  if (hub != nullptr) {
    const auto& ws = hub->probe();
    out.counter(ws.connections);
    out.counter(ws.pushed);
    out.counter(ws.slow_closes);
    out.counter(ws.bad_requests);
    out.gauge(ws.clients);
  }
  if (extra_metrics) extra_metrics(out);
  return out.take();
}

void StatsApi::upgrade(boost::asio::ip::tcp::socket socket, http::Request request,
                       const http::ClientInfo& client) {
  const std::string_view target(request.target().data(), request.target().size());
  if (hub == nullptr || http::target_path(target) != "/v1/stream") {
    return http::respond_and_close(std::move(socket),
                                   http::make_error(request, 404, "WebSocket is served at /v1/stream"));
  }
  if (!keys_.allows(request)) {
    unauthorized_.add();
    return http::respond_and_close(
        std::move(socket),
        http::make_error(request, 401, "this server needs an API key: send 'Authorization: Bearer <key>' or ?api_key="));
  }
  if (!limiter_.take(client.address)) {
    limited_.add();
    return http::respond_and_close(std::move(socket),
                                   http::make_error(request, 429, "too many requests; slow down"));
  }
  hub->accept(std::move(socket), std::move(request));
}

http::PushSource StatsApi::push_source() {
  http::PushSource source;
  source.snapshot = [this](const core::Address& token, std::string& body, std::string& detail) {
    Resolution where = resolve(token);
    switch (where.kind) {
      case Resolution::answer:
        body = std::move(where.body);
        return http::Snapshot::found;
      case Resolution::redirect:
        // The hub's clients reconnect to the owner's WebSocket endpoint.
        detail = where.url;
        return http::Snapshot::elsewhere;
      case Resolution::failure:
        break;
    }
    detail = std::move(where.error);
    return http::Snapshot::missing;
  };
  source.all_tokens = [this] { return store_.tokens(); };
  source.version = [this] { return store_.version(); };
  return source;
}

}  // namespace tokenflow::cli
