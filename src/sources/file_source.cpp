#include "sources/file_source.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "codec/errc.hpp"
#include "core/errc.hpp"

namespace tokenflow::sources {

core::Result<FileReplaySummary> replay_file(const FileReplayOptions& options,
                                            kafka::Producer& producer,
                                            kafka::DeadLetterPublisher& dead_letters,
                                            const core::StopSignal& stop, SourceProbe& probe) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (options.path != "-") {
    file.open(options.path, std::ios::binary);
    if (!file) {
      return core::make_error(core::errc::io_error,
                              "cannot open '" + options.path + "': check the path and permissions");
    }
    in = &file;
  }
  auto keyer = make_line_keyer(options.events);
  FileReplaySummary summary;
  std::string line;
  auto started = std::chrono::steady_clock::now();
  while (!stop.requested() && std::getline(*in, line)) {
    ++summary.lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ++summary.blank;
      continue;
    }
    if (options.rate > 0) {
      auto due = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(summary.lines) / options.rate));
      std::this_thread::sleep_until(due);
    }
    probe.read.add();
    auto decoded = keyer->key_of(line);
    if (decoded.ok() || options.raw) {
      const std::string_view key = decoded.ok() ? *decoded : std::string_view();
      if (auto produced = producer.produce(options.topic, key, line); !produced.ok()) {
        return std::move(produced).error();
      }
      ++summary.published;
      probe.published.add();
      continue;
    }
    spdlog::warn("{}:{}: {}; sent to {}", options.path, summary.lines, decoded.error().message,
                 dead_letters.topic());
    auto published = dead_letters.publish(line, {}, options.path, core::Partition{-1},
                                          core::Offset{static_cast<std::int64_t>(summary.lines)},
                                          codec::reason_kind(decoded.error()),
                                          decoded.error().message);
    if (!published.ok()) return std::move(published).error();
    ++summary.dead_letters;
    probe.dead_letters.add();
  }
  if (in->bad()) {
    return core::make_error(core::errc::io_error, "reading '" + options.path + "' failed");
  }
  if (auto flushed = producer.flush(std::chrono::seconds(60)); !flushed.ok()) {
    return std::move(flushed).error();
  }
  spdlog::info("file: {} lines of {} from {}: {} published to {}, {} dead-lettered to {}, {} blank",
               summary.lines, to_string(options.events), options.path, summary.published,
               options.topic, summary.dead_letters, dead_letters.topic(), summary.blank);
  return summary;
}

}  // namespace tokenflow::sources
