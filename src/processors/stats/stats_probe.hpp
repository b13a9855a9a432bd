// What the statistics service counts, exported at /metrics: events in, duplicates, too late,
// dead letters, unpriced transfers, backpressure drops, checkpoints and their age, consumer
// lag. Relaxed atomics:
// the aggregator and consumer threads bump them, any thread reads them.
#pragma once

#include "kafka/metrics.hpp"

namespace tokenflow::processors {

struct StatsProbe {
  kafka::Counter consumed{"tokenflow_stats_events_in_total",
                          "messages consumed from the swaps and transfers topics"};
  kafka::Counter applied{"tokenflow_stats_events_applied_total",
                         "swaps and transfers added to the windows"};
  kafka::Counter duplicates{"tokenflow_stats_duplicates_total",
                            "events ignored because their id was seen within --dedup-ttl"};
  kafka::Counter too_late{"tokenflow_stats_too_late_total",
                          "events older than the largest window, published to tokenflow.late"};
  kafka::Counter dead_letters{"tokenflow_stats_dead_letters_total",
                              "messages sent to tokenflow.dlq (invalid, too far ahead, overflow)"};
  kafka::Counter rounded{"tokenflow_stats_usd_rounded_total",
                         "USD amounts (a swap's amount_usd, a transfer's value at its peg) with "
                         "more than 6 decimals, rounded half-to-even"};
  kafka::Counter unpriced{"tokenflow_stats_transfers_unpriced_total",
                          "transfers counted with zero USD volume: no registry peg for their token"};
  kafka::Counter dropped{"tokenflow_stats_backpressure_dropped_total",
                         "messages dropped because the aggregator was behind (--backpressure drop)"};
  kafka::Counter blocked{"tokenflow_stats_backpressure_waits_total",
                         "times the consumer waited for the aggregator (--backpressure block)"};
  kafka::Counter checkpoints{"tokenflow_stats_checkpoints_total", "partition checkpoints written"};
  kafka::Counter checkpoint_failures{"tokenflow_stats_checkpoint_failures_total",
                                     "checkpoints that could not be written (retried next time)"};
  kafka::Gauge last_checkpoint_ms{"tokenflow_stats_last_checkpoint_unix_ms",
                                  "wall time of the last complete checkpoint, unix ms"};
  kafka::Gauge queued{"tokenflow_stats_queue_messages",
                      "messages consumed and waiting for the aggregator"};
  kafka::Gauge lag{"tokenflow_stats_consumer_lag",
                   "messages behind the high watermark, summed over owned partitions"};
  kafka::Gauge partitions{"tokenflow_stats_partitions_owned", "partitions whose state is loaded"};
  kafka::Gauge tokens{"tokenflow_stats_tokens", "tokens with events in the largest window"};

  template <typename F>
  void for_each(F&& f) const {
    f(consumed);
    f(applied);
    f(duplicates);
    f(too_late);
    f(dead_letters);
    f(rounded);
    f(unpriced);
    f(dropped);
    f(blocked);
    f(checkpoints);
    f(checkpoint_failures);
  }
  template <typename F>
  void for_each_gauge(F&& f) const {
    f(last_checkpoint_ms);
    f(queued);
    f(lag);
    f(partitions);
    f(tokens);
  }
};

}  // namespace tokenflow::processors
