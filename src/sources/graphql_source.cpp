#include "sources/graphql_source.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <optional>
#include <random>

#include "http/errc.hpp"
#include "sources/cursor_state_file.hpp"
#include "sources/errc.hpp"
#include "sources/graphql_page.hpp"

namespace tokenflow::sources {
namespace {

struct Failure {
  core::Error error;
  std::optional<std::chrono::milliseconds> retry_after;
};

struct Fetched {
  std::optional<Failure> failure;
  std::string body;
};

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

class Poller {
 public:
  Poller(const GraphqlSourceOptions& options, http::HttpClient& http, kafka::Producer& producer,
         kafka::DeadLetterPublisher& dead_letters, const core::StopSignal& stop, SourceProbe& probe,
         IndexerProbe& indexer)
      : o_(options),
        http_(http),
        producer_(producer),
        dead_letters_(dead_letters),
        stop_(stop),
        probe_(probe),
        indexer_(indexer),
        parser_(options.query.table, options.mapping, options.query.block_field,
                options.query.id_field, options.query.page_size),
        rng_(std::random_device{}()),
        source_name_(options.query.table + "@" + options.endpoint) {}

  core::Result<GraphqlSourceSummary> run();

 private:
  core::Result<void> load_state();
  // The body of a 200 answer, or why there is none.
  std::optional<Failure> post(const std::string& body, std::string& answer);
  Fetched fetch(const std::string& request) {
    Fetched fetched;
    fetched.failure = post(request, fetched.body);
    return fetched;
  }
  // Logs, counts and sleeps before the next attempt; false when stopped or given up.
  bool back_off(const Failure& failure, const char* what = "indexer");
  // Publishes the page and waits for Kafka; false (after a log line) to re-send it.
  core::Result<bool> publish(const Page& page, std::uint64_t& published, std::uint64_t& dead);
  core::Result<void> save(const Cursor& cursor);
  // Without --confirmations the loop never asks the head: ask it every 10 s for the
  // head-block gauge (after the page in flight, so the HTTP client is free). A failure only
  // logs: the gauge is a view, not the work.
  void probe_head();
  std::chrono::steady_clock::time_point head_probed_{};
  bool head_probe_failed_logged_ = false;
  // Waits for the page requested ahead, if any, and forgets it.
  void discard_prefetch() {
    if (prefetch_.valid()) (void)prefetch_.get();
  }

  const GraphqlSourceOptions& o_;
  http::HttpClient& http_;
  kafka::Producer& producer_;
  kafka::DeadLetterPublisher& dead_letters_;
  const core::StopSignal& stop_;
  SourceProbe& probe_;
  IndexerProbe& indexer_;
  PageParser parser_;
  std::mt19937_64 rng_;
  std::string source_name_;
  CursorState state_;
  GraphqlSourceSummary summary_;
  std::uint32_t attempt_ = 0;
  std::string answer_;
  Page page_;
  // The page after a full one, requested while the full one is published and acknowledged
  // (only the HTTP exchange runs there; the poll thread waits for it before touching http_).
  std::future<Fetched> prefetch_;
  double handed_over_ms_ = 0;  // of the last publish(): producing, before the flush
};

core::Result<void> Poller::load_state() {
  state_.endpoint = o_.endpoint;
  state_.table = o_.query.table;
  state_.cursor = Cursor{o_.start_block, ""};
  if (o_.reset_state) {
    spdlog::info("graphql: --reset-state: ignoring {}, starting at block {}", o_.state_file,
                 o_.start_block);
    return core::success();
  }
  auto loaded = load_cursor_state(o_.state_file, o_.endpoint, o_.query.table);
  if (!loaded.ok()) return std::move(loaded).error();
  if (!loaded->has_value()) {
    spdlog::info("graphql: no state file {}, starting at block {}", o_.state_file, o_.start_block);
    return core::success();
  }
  state_ = std::move(**loaded);
  if (o_.start_block_given) {
    spdlog::warn(
        "graphql: --start-block {} is ignored: {} holds a cursor; add --reset-state to "
        "start there",
        o_.start_block, o_.state_file);
  }
  spdlog::info("graphql: resuming after block {} id {} (from {}, {} records published so far)",
               state_.cursor.block, state_.cursor.id, o_.state_file, state_.published);
  return core::success();
}

std::optional<Failure> Poller::post(const std::string& body, std::string& answer) {
  indexer_.requests.add();
  auto response = http_.post_json(o_.endpoint, body);
  if (!response.ok()) {
    // The source's own codes, so logs and metrics name the kind of failure.
    const auto code = response.error().code;
    if (code == http::errc::response_too_large) {
      return Failure{make_error(errc::malformed_response,
                                response.error().message + " or lower --page-size"),
                     std::nullopt};
    }
    return Failure{make_error(code == http::errc::timed_out ? errc::timed_out
                                                            : errc::connection_failed,
                              response.error().message),
                   std::nullopt};
  }
  if (response->status == 429) {
    indexer_.rate_limited.add();
    return Failure{make_error(errc::rate_limited, "HTTP 429 from " + o_.endpoint),
                   response->retry_after};
  }
  if (response->status != 200) {
    std::string excerpt = response->body.substr(0, 120);
    std::replace_if(
        excerpt.begin(), excerpt.end(), [](char c) { return c < 0x20; }, ' ');
    return Failure{make_error(errc::http_status, "HTTP " + std::to_string(response->status) +
                                                     " from " + o_.endpoint + ": " + excerpt),
                   response->retry_after};
  }
  answer = std::move(response->body);
  return std::nullopt;
}

bool Poller::back_off(const Failure& failure, const char* what) {
  ++attempt_;
  if (std::string_view(what) == "indexer") {
    ++summary_.failures;
    indexer_.failures.add();
  }
  auto delay = o_.retry.delay(attempt_, rng_);
  if (failure.retry_after) delay = std::max(delay, *failure.retry_after);
  const auto code = static_cast<errc>(failure.error.code.value());
  const char* kind =
      failure.error.code.category() == sources_category() ? errc_name(code) : "error";
  if (o_.retry.gives_up_after(attempt_)) {
    spdlog::error("[Poll {}] {} failed ({}): {}; giving up after {} attempts", summary_.polls, what,
                  kind, failure.error.message, attempt_);
    return false;
  }
  spdlog::warn(
      "[Poll {}] {} failed ({}): {}; retry {} in {} ms, cursor stays after block "
      "{} id {}",
      summary_.polls, what, kind, failure.error.message, attempt_, delay.count(),
      state_.cursor.block, state_.cursor.id);
  return stop_.wait_for(delay);
}

core::Result<bool> Poller::publish(const Page& page, std::uint64_t& published,
                                   std::uint64_t& dead) {
  const auto started = std::chrono::steady_clock::now();
  const auto failed_before = producer_.probe().failed.get();
  published = 0;
  dead = 0;
  for (const auto& record : page.records) {
    probe_.read.add();
    if (record.valid) {
      if (auto sent = producer_.produce(o_.topic, record.key, record.payload); !sent.ok()) {
        return std::move(sent).error();
      }
      ++published;
      continue;
    }
    const auto block = record.has_cursor ? static_cast<std::int64_t>(record.cursor.block) : -1;
    spdlog::warn("[Poll {}] record {} of block {}: {}; sent to {}", summary_.polls,
                 record.has_cursor ? record.cursor.id : "(no id)", block, record.reason,
                 dead_letters_.topic());
    auto sent = dead_letters_.publish(record.payload, {}, source_name_, core::Partition{-1},
                                      core::Offset{block}, "invalid_record", record.reason);
    if (!sent.ok()) return std::move(sent).error();
    ++dead;
  }
  handed_over_ms_ = ms_since(started);
  // Wait for every delivery report: the cursor may only cover acknowledged messages.
  while (true) {
    auto flushed = producer_.flush(o_.flush_timeout);
    if (flushed.ok()) break;
    if (auto fatal = producer_.fatal_error()) return *fatal;
    spdlog::warn("[Poll {}] Kafka has not acknowledged the page yet ({}); still waiting",
                 summary_.polls, flushed.error().message);
    if (stop_.requested()) {
      return make_error(errc::io_error,
                        "stopped before Kafka acknowledged the page; the "
                        "cursor stays, the page is re-sent at the next start");
    }
  }
  if (auto failed = producer_.probe().failed.get() - failed_before; failed > 0) {
    indexer_.delivery_retries.add();
    spdlog::error(
        "[Poll {}] {} messages of the page were not acknowledged by Kafka; the cursor "
        "stays and the page is sent again",
        summary_.polls, failed);
    return false;
  }
  probe_.published.add(published);
  probe_.dead_letters.add(dead);
  return true;
}

void Poller::probe_head() {
  const auto now = std::chrono::steady_clock::now();
  if (now - head_probed_ < std::chrono::seconds(10)) return;
  head_probed_ = now;
  std::string answer;
  auto failed = post(head_request(o_.query.dialect), answer);
  auto head = failed ? core::Result<std::uint64_t>(failed->error)
                     : parser_.parse_head(answer, o_.query.dialect);
  if (head.ok()) {
    indexer_.head_block.set(static_cast<std::int64_t>(*head));
    return;
  }
  if (!head_probe_failed_logged_) {
    head_probe_failed_logged_ = true;
    spdlog::warn("graphql: cannot read the indexer's newest block for the head-block gauge "
                 "({}); the transfers are not affected", head.error().message);
  }
}

core::Result<void> Poller::save(const Cursor& cursor) {
  CursorState next = state_;
  next.cursor = cursor;
  if (auto saved = save_cursor_state(o_.state_file, next); !saved.ok()) return saved;
  state_ = std::move(next);
  indexer_.cursor_saves.add();
  indexer_.cursor_block.set(static_cast<std::int64_t>(cursor.block));
  return core::success();
}

core::Result<GraphqlSourceSummary> Poller::run() {
  if (auto loaded = load_state(); !loaded.ok()) return std::move(loaded).error();
  std::optional<std::uint64_t> max_block;
  bool last_full = false;
  while (!stop_.requested()) {
    ++summary_.polls;
    if (o_.confirmations > 0 && (!last_full || !max_block)) {
      if (auto failed = post(head_request(o_.query.dialect), answer_)) {
        if (!back_off(*failed)) break;
        continue;
      }
      auto head = parser_.parse_head(answer_, o_.query.dialect);
      if (!head.ok()) {
        if (!back_off({std::move(head).error(), std::nullopt})) break;
        continue;
      }
      indexer_.head_block.set(static_cast<std::int64_t>(*head));
      max_block.reset();
      if (*head >= o_.confirmations) max_block = *head - o_.confirmations;
      if (!max_block || *max_block < state_.cursor.block) {
        attempt_ = 0;
        spdlog::debug("[Poll {}] head {}: nothing with {} confirmations after block {}",
                      summary_.polls, *head, o_.confirmations, state_.cursor.block);
        last_full = false;
        if (o_.exit_when_caught_up) break;
        stop_.wait_for(o_.poll_interval);
        continue;
      }
    }
    const auto requested = std::chrono::steady_clock::now();
    Fetched fetched = prefetch_.valid() ? prefetch_.get()
                                        : fetch(page_request(o_.query, state_.cursor, max_block));
    const double fetch_ms = ms_since(requested);
    if (fetched.failure) {
      if (!back_off(*fetched.failure)) break;
      continue;
    }
    if (o_.confirmations == 0) probe_head();
    answer_ = std::move(fetched.body);
    const auto parsing = std::chrono::steady_clock::now();
    // A full page: the next one is requested as soon as this one's last cursor is known,
    // and fetched while this one is decoded, published and acknowledged.
    std::optional<Cursor> requested_after;
    auto parsed = parser_.parse(answer_, page_, [&](std::size_t received, const Cursor* last) {
      if (received < o_.query.page_size || last == nullptr) return;
      requested_after = *last;
      prefetch_ = std::async(std::launch::async,
                             [this, request = page_request(o_.query, *last, max_block)] {
                               return fetch(request);
                             });
    });
    if (!parsed.ok()) {
      discard_prefetch();  // it starts after a page that is not published
      if (!back_off({std::move(parsed).error(), std::nullopt})) break;
      continue;
    }
    auto last = std::find_if(page_.records.rbegin(), page_.records.rend(),
                             [](const PageRecord& r) { return r.has_cursor; });
    if (!page_.records.empty() && last == page_.records.rend()) {
      Failure failure{make_error(errc::malformed_response, "no record of the page has a readable " +
                                                               o_.query.block_field + " and " +
                                                               o_.query.id_field),
                      std::nullopt};
      discard_prefetch();
      if (!back_off(failure)) break;
      continue;
    }
    attempt_ = 0;
    const double parse_ms = ms_since(parsing);
    last_full = page_.received >= o_.query.page_size;
    if (requested_after && *requested_after != last->cursor) {
      // Cannot happen (parse() reports the cursor it ends with), but a page fetched after
      // the wrong cursor would skip or repeat records: never use it.
      discard_prefetch();
    }
    if (last_full && !prefetch_.valid()) {
      prefetch_ = std::async(std::launch::async,
                             [this, request = page_request(o_.query, last->cursor, max_block)] {
                               return fetch(request);
                             });
    }
    if (!page_.records.empty()) {
      std::uint64_t published = 0;
      std::uint64_t dead = 0;
      const auto publishing = std::chrono::steady_clock::now();
      auto delivered = publish(page_, published, dead);
      if (!delivered.ok()) return std::move(delivered).error();
      if (!*delivered) {
        discard_prefetch();  // it starts after the page that failed
        if (!back_off({make_error(errc::io_error, "Kafka did not acknowledge the page"), {}},
                      "Kafka delivery"))
          break;
        continue;
      }
      const double publish_ms = ms_since(publishing);
      const auto saving = std::chrono::steady_clock::now();
      state_.published += published;
      if (auto saved = save(last->cursor); !saved.ok()) return std::move(saved).error();
      spdlog::debug(
          "[Poll {}] waited {:.1f} ms for the page, {:.1f} ms to parse it, {:.1f} ms for Kafka "
          "({:.1f} ms to hand over), {:.1f} ms to save the cursor",
          summary_.polls, fetch_ms, parse_ms, publish_ms, handed_over_ms_, ms_since(saving));
      indexer_.pages.add();
      summary_.published += published;
      summary_.dead_letters += dead;
      if (dead == 0) {
        spdlog::info("[Poll {}] Published {} records to Kafka, max block: {}", summary_.polls,
                     published, state_.cursor.block);
      } else {
        spdlog::info("[Poll {}] Published {} records to Kafka, {} to {}, max block: {}",
                     summary_.polls, published, dead, dead_letters_.topic(), state_.cursor.block);
      }
    } else {
      spdlog::debug("[Poll {}] no new records after block {}", summary_.polls, state_.cursor.block);
    }
    if (!last_full) {
      if (o_.exit_when_caught_up) break;
      stop_.wait_for(o_.poll_interval);
    }
  }
  summary_.cursor = state_.cursor;
  if (attempt_ > 0 && o_.retry.gives_up_after(attempt_)) {
    return make_error(errc::connection_failed,
                      "gave up on " + o_.endpoint + " after " + std::to_string(attempt_) +
                          " failed attempts; the cursor stays after block " +
                          std::to_string(state_.cursor.block));
  }
  return summary_;
}

}  // namespace

core::Result<GraphqlSourceSummary> run_graphql_source(const GraphqlSourceOptions& options,
                                                      http::HttpClient& http, kafka::Producer& producer,
                                                      kafka::DeadLetterPublisher& dead_letters,
                                                      const core::StopSignal& stop,
                                                      SourceProbe& probe, IndexerProbe& indexer) {
  Poller poller(options, http, producer, dead_letters, stop, probe, indexer);
  return poller.run();
}

}  // namespace tokenflow::sources
