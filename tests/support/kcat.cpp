#include "support/kcat.hpp"

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tokenflow::testing {

void produce_with_kcat(const std::string& bootstrap, const std::string& topic,
                       const std::vector<std::pair<std::string, std::string>>& messages,
                       const std::string& compression, const std::string& work) {
  const std::string file = work + ".tsv";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    for (const auto& [key, payload] : messages) out << key << '\t' << payload << '\n';
    if (!out.flush()) throw std::runtime_error("writing " + file + " failed");
  }
  ChildProcess kcat(
      {"kcat", "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-z", compression, "-l", file},
      work + ".log");
  const auto status = kcat.wait(std::chrono::seconds(60));
  if (status != 0) {
    throw std::runtime_error("kcat failed (" +
                             (status ? std::to_string(*status) : std::string("timed out")) +
                             "): " + kcat.output());
  }
}

KcatReader::KcatReader(const std::string& bootstrap, const std::string& topic,
                       const std::string& work)
    : output_path_(work + ".records") {
  // A header line with the lengths, then the key and the payload as they are: payloads may
  // hold newlines and any other byte. -u: nothing is left in a buffer when kcat is stopped.
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"kcat", "-C", "-u", "-q", "-b", bootstrap, "-t", topic, "-o",
                               "beginning", "-f", "%p %o %K %S\n%k%s\n"},
      work + ".log", std::map<std::string, std::string>{}, output_path_);
}

std::vector<TopicRecord> KcatReader::stop() {
  process_->signal(SIGTERM);
  if (!process_->wait(std::chrono::seconds(10))) {
    process_->signal(SIGKILL);  // its output is unbuffered: what it read is in the file
    process_->wait(std::chrono::seconds(10));
  }
  std::ifstream in(output_path_, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<TopicRecord> records;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t header_end = text.find('\n', at);
    if (header_end == std::string::npos) break;  // cut short by the stop
    std::istringstream header(text.substr(at, header_end - at));
    TopicRecord record;
    long long key_size = 0;
    long long payload_size = 0;
    if (!(header >> record.partition >> record.offset >> key_size >> payload_size)) {
      throw std::runtime_error("kcat printed an unexpected line at byte " + std::to_string(at) +
                               " of " + output_path_);
    }
    const std::size_t key_bytes = key_size > 0 ? static_cast<std::size_t>(key_size) : 0;
    const std::size_t payload_bytes = payload_size > 0 ? static_cast<std::size_t>(payload_size) : 0;
    const std::size_t body = header_end + 1;
    if (body + key_bytes + payload_bytes + 1 > text.size()) break;  // cut short by the stop
    record.key = text.substr(body, key_bytes);
    record.payload = text.substr(body + key_bytes, payload_bytes);
    records.push_back(std::move(record));
    at = body + key_bytes + payload_bytes + 1;
  }
  return records;
}

}  // namespace tokenflow::testing
