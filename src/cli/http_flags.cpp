#include "cli/http_flags.hpp"

#include <limits>

namespace tokenflow::cli {

void add_max_response_bytes_flag(CLI::App& command, std::size_t& bytes, const std::string& whose) {
  // Below 1 KiB even an error page would be refused, which helps no one find the fault.
  command
      .add_option("--max-response-bytes", bytes,
                  "Largest answer, in bytes after decompression, kept from " + whose +
                      "; a larger one is refused as an error")
      ->check(CLI::Range(std::size_t{1024}, std::numeric_limits<std::size_t>::max() / 2))
      ->capture_default_str();
}

}  // namespace tokenflow::cli
