// kcat as a foreign Kafka client for the tests: a producer that is not tokenflow's
// (librdkafka's default partitioner, consistent_random: CRC32 of the key, and a compression
// codec of the test's choosing), and a reader that follows a topic from its first offset
// while the program under test runs (for a cluster that lives only as long as it does, such
// as the one `tokenflow up` embeds).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/child_process.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {

// Publishes `messages` (key, payload: neither holding a tab or a newline) to `topic` with
// `kcat -P -z <compression>` and waits for kcat to exit. Its input and log are files named
// from `work` (a path prefix). Throws std::runtime_error when kcat fails.
void produce_with_kcat(const std::string& bootstrap, const std::string& topic,
                       const std::vector<std::pair<std::string, std::string>>& messages,
                       const std::string& compression, const std::string& work);

// `kcat -C` on every partition of `topic` from the first offset, printing what it reads
// (any bytes: each record is framed by its lengths) to a file named from `work`.
// Lifecycle: one thread owns it; stop() once; the destructor kills kcat if still running.
class KcatReader {
 public:
  KcatReader(const std::string& bootstrap, const std::string& topic, const std::string& work);
  // Stops kcat and returns every record it printed, in the order it read them (partition,
  // offset, key and payload; no headers).
  std::vector<TopicRecord> stop();
  // kcat's own log (errors), for failure messages.
  std::string log() const { return process_->output(); }

 private:
  std::string output_path_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace tokenflow::testing
