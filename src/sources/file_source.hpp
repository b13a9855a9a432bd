// `tokenflow produce file`: replays an NDJSON file (one event per line: transfers, swaps or
// price ticks) into Kafka, keyed as the simulator keys that type (sources/line_keyer). Each
// line is validated as the consumers would; a line that fails goes to the dead-letter topic
// with its reason (source topic: the file path, offset: the line number). With `raw`, lines
// are published untouched (to exercise consumers' dead letters).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "core/stop_signal.hpp"
#include "kafka/dead_letter.hpp"
#include "kafka/producer.hpp"
#include "sources/line_keyer.hpp"
#include "sources/source_probe.hpp"

namespace tokenflow::sources {

struct FileReplayOptions {
  std::string path;  // "-" reads standard input
  FileEvents events = FileEvents::transfers;
  std::string topic = "stablecoin-transfers";  // the cli picks the events' topic
  bool raw = false;
  double rate = 0;  // lines per second; 0: unpaced
};

struct FileReplaySummary {
  std::uint64_t lines = 0;
  std::uint64_t published = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t blank = 0;
};

core::Result<FileReplaySummary> replay_file(const FileReplayOptions& options,
                                            kafka::Producer& producer,
                                            kafka::DeadLetterPublisher& dead_letters,
                                            const core::StopSignal& stop, SourceProbe& probe);

}  // namespace tokenflow::sources
