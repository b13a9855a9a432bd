// The metrics of a sink (any EventSink: transfers or price ticks, PostgreSQL or Redis): its
// counters and batch durations, its consumer's (lag per partition among them) and its
// dead-letter producer's, as Prometheus text.
#pragma once

#include <string>

#include "http/prometheus.hpp"
#include "kafka/producer.hpp"
#include "sinks/event_sink.hpp"

namespace tokenflow::cli {

template <class Events>
std::string sink_metrics(const sinks::EventSink<Events>& sink, const kafka::Producer& dead_letters) {
  http::PrometheusWriter out;
  const auto& probe = sink.probe();
  for (const auto* counter : {&probe.consumed, &probe.stored, &probe.duplicates, &probe.dead_letters,
                              &probe.batches, &probe.write_retries, &probe.reread}) {
    out.counter(*counter);
  }
  out.histogram_seconds("tokenflow_sink_batch_duration_seconds",
                        "time from a writer taking a batch to its commit", probe.batch_duration);
  if (const auto* consumer = sink.consumer_probe()) out.consumer(*consumer);
  dead_letters.probe().for_each([&](const kafka::Counter& c) { out.counter(c); });
  out.dead_letters({&sink.dead_letters()});
  out.gauge("tokenflow_sink_ready", "1 once the sink's consumer has joined its group",
            sink.consumer_probe() != nullptr ? 1 : 0);
  return out.take();
}

}  // namespace tokenflow::cli
