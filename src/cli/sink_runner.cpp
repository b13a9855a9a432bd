#include "cli/sink_runner.hpp"

namespace tokenflow::cli {

void add_sink_loop_flags(CLI::App& command, sinks::SinkOptions& options) {
  command
      .add_option_function<long>(
          "--batch-timeout-ms",
          [&options](long ms) { options.batch_timeout = std::chrono::milliseconds(ms); },
          "Write a partial batch once its first message is this old, in milliseconds "
          "(default 20); a batch also goes as soon as a writer is idle and nothing more is "
          "waiting in Kafka")
      ->check(CLI::Range(1L, 3'600'000L));
  command
      .add_option("--max-records", options.max_records,
                  "Stop after consuming this many messages (stored or dead-lettered); 0 = never")
      ->envname("KAFKA_MAX_RECORDS")
      ->capture_default_str();
}

}  // namespace tokenflow::cli
