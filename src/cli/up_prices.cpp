#include "cli/up_prices.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "cli/redis_flags.hpp"
#include "cli/up_console.hpp"
#include "sinks/postgres_store.hpp"
#include "sinks/redis_store.hpp"
#include "sources/simulate_source.hpp"

namespace tokenflow::cli {
namespace {

constexpr const char* kPriceHistoryGroup = "tokenflow-up-price-history";
constexpr const char* kPriceCacheGroup = "tokenflow-up-price-cache";

}  // namespace

core::Result<std::unique_ptr<UpPrices>> UpPrices::create(const UpPriceSettings& settings,
                                                         const kafka::ClientConfig& client,
                                                         const core::TokenRegistry& registry,
                                                         kafka::Producer& dead_letters) {
  std::unique_ptr<UpPrices> up(new UpPrices(settings, registry));
  kafka::ProducerOptions producer_options;
  producer_options.client_id = "tokenflow-up-prices";
  auto producer = kafka::Producer::create(client, producer_options);
  if (!producer.ok()) return std::move(producer).error();
  up->producer_ = std::move(producer).value();
  if (settings.no_sink) return up;

  if (!settings.database_url.empty()) {
    sinks::PostgresStoreOptions options;
    options.url = settings.database_url;
    options.table = std::string(sinks::PriceHistoryTable::kDefaultName);
    options.application_name = sinks::sink_application_name(kPriceHistoryGroup);
    using Store = sinks::BasicPostgresStore<sinks::PriceHistoryTable>;
    auto added = up->add_sink(
        "price history", kPriceHistoryGroup,
        "PostgreSQL " + sinks::PostgresStore::describe_url(options.url),
        [options]() -> std::unique_ptr<sinks::PriceBatchStore> {
          return std::make_unique<Store>(options);
        },
        client, dead_letters);
    if (!added.ok()) return std::move(added).error();
  }
  if (!settings.redis_url.empty()) {
    RedisFlags flags;
    flags.url = settings.redis_url;
    auto options = to_redis_store_options(flags, kPriceCacheGroup);
    if (!options.ok()) return std::move(options).error();
    auto added = up->add_sink(
        "price cache", kPriceCacheGroup, "Redis",
        [options = *options]() -> std::unique_ptr<sinks::PriceBatchStore> {
          return std::make_unique<sinks::RedisStore>(options);
        },
        client, dead_letters);
    if (!added.ok()) return std::move(added).error();
  }
  return up;
}

UpPrices::~UpPrices() {
  source_.stop_and_join();
  for (auto& sink : sinks_) sink.thread->stop_and_join();
}

core::Result<void> UpPrices::add_sink(std::string role, std::string group, std::string destination,
                                      sinks::PriceSink::StoreFactory make_store,
                                      const kafka::ClientConfig& client,
                                      kafka::Producer& dead_letters) {
  Sink sink;
  sink.role = std::move(role);
  sink.group = std::move(group);
  sink.destination = std::move(destination);
  sink.store = make_store();
  auto ready = sink.store->connect();
  if (ready.ok()) ready = sink.store->init_schema();
  if (!ready.ok()) {
    return core::Error{ready.error().code,
                       sink.role + ": preparing " + sink.destination + ": " + ready.error().message};
  }
  // As for the transfer sink: positions of an earlier embedded cluster name a log that is gone.
  if (settings_.embedded) {
    auto forgotten = sink.store->forget_positions();
    if (!forgotten.ok()) return std::move(forgotten).error();
    if (*forgotten > 0) {
      spdlog::info("up: {}: the embedded cluster starts empty: forgot the positions of {} "
                   "partitions an earlier run stored (its ticks stay)",
                   sink.role, *forgotten);
    }
  }
  spdlog::info("up: {}: storing price ticks in {}, {}", sink.role, sink.destination,
               sink.store->table_name());
  sinks::SinkOptions options;
  options.topic = settings_.topic;
  options.log_batches = false;  // the progress line says it
  options.writers = 1;          // a few dozen ticks a second: one session is plenty
  kafka::ConsumerOptions consumer;
  consumer.group_id = sink.group;
  consumer.topics = {settings_.topic};
  consumer.fetch_wait_max_ms = 100;
  sink.sink = std::make_unique<sinks::PriceSink>(options, client, consumer, std::move(make_store),
                                                 dead_letters);
  sink.thread = std::make_unique<RoleThread>(sink.role);
  sinks_.push_back(std::move(sink));
  return core::success();
}

void UpPrices::add_groups(processors::DashboardOptions& options) const {
  for (const auto& sink : sinks_) options.cluster.groups.push_back({sink.group, {settings_.topic}});
}

std::string UpPrices::role_of(const std::string& group) const {
  for (const auto& sink : sinks_) {
    if (sink.group == group) return sink.role;
  }
  return "";
}

void UpPrices::start(const std::atomic<bool>* hold, core::StopSignal& everything) {
  if (settings_.rate > 0) {
    sources::SimulateOptions options;
    options.topic = settings_.topic;
    options.events = sources::SimulatedEvents::prices;
    options.rate = settings_.rate;
    options.hold = hold;
    options.chain.seed = settings_.seed + 2;
    source_.start(
        [this, options](const core::StopSignal& stop) -> core::Result<void> {
          auto done = sources::run_simulation(options, registry_, *producer_, stop, probe_);
          if (!done.ok()) return std::move(done).error();
          return core::success();
        },
        everything);
  }
  for (auto& sink : sinks_) {
    auto* running = sink.sink.get();
    sink.thread->start([running](const core::StopSignal& stop) { return running->run(stop); },
                       everything);
  }
}

void UpPrices::stop_source() { source_.stop_and_join(); }

void UpPrices::stop_sinks(std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  const auto published = producer_->probe().delivered.get();
  for (auto& sink : sinks_) {
    // Accounted for, not merely consumed: a tick read again after a failed write is consumed
    // twice (found with the price history through a PostgreSQL outage).
    const auto& p = sink.sink->probe();
    const auto accounted = [&p] {
      return p.stored.get() + p.duplicates.get() + p.dead_letters.get();
    };
    while (accounted() < published && sink.thread->result.ok() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    sink.thread->stop_and_join();
  }
}

std::string UpPrices::progress() const {
  if (settings_.rate <= 0) return "";
  std::string line = " | prices " + with_commas(producer_->probe().delivered.get());
  for (const auto& sink : sinks_) {
    line += " | " + sink.role + " " + with_commas(sink.sink->probe().stored.get());
  }
  return line;
}

std::string UpPrices::summary() const {
  std::string out;
  if (settings_.rate > 0) {
    out += "  prices        " + with_commas(probe_.published.get()) + " ticks to " +
           settings_.topic + " (the registry's tokens from " +
           std::to_string(std::size(sources::kSimulatedPriceSources)) + " simulated sources)\n";
  }
  for (const auto& sink : sinks_) {
    const auto& p = sink.sink->probe();
    auto rows = sink.store->count_rows();
    std::string label = sink.role;
    label.resize(std::max<std::size_t>(label.size() + 1, 14), ' ');
    out += "  " + label + with_commas(p.consumed.get()) + " consumed, " +
           with_commas(p.stored.get()) + " new, " + with_commas(p.duplicates.get()) +
           " duplicates ignored, " + with_commas(p.dead_letters.get()) + " dead letters; " +
           sink.store->table_name() + " holds " +
           (rows.ok() ? with_commas(*rows) : std::string("?")) + "\n";
  }
  return out;
}

std::string UpPrices::roles_json() const {
  std::string out = ",\"prices\":{\"ticks\":" + std::to_string(probe_.published.get()) + "}";
  for (const auto& sink : sinks_) {
    const auto& p = sink.sink->probe();
    std::string key = sink.role;
    for (char& c : key) c = c == ' ' ? '_' : c;
    out += ",\"" + key + "\":{\"group\":\"" + sink.group +
           "\",\"stored\":" + std::to_string(p.stored.get()) +
           ",\"duplicates\":" + std::to_string(p.duplicates.get()) +
           ",\"dead_letters\":" + std::to_string(p.dead_letters.get()) + "}";
  }
  return out;
}

std::vector<const RoleThread*> UpPrices::roles() const {
  std::vector<const RoleThread*> out{&source_};
  for (const auto& sink : sinks_) out.push_back(sink.thread.get());
  return out;
}

}  // namespace tokenflow::cli
