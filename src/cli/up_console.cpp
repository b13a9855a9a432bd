#include "cli/up_console.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

namespace tokenflow::cli {

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

UpConsole::UpConsole() : tty_(isatty(STDERR_FILENO) != 0) {}

void UpConsole::progress(const std::string& line, bool final_line) {
  std::lock_guard lock(mutex_);
  last_ = line;
  if (tty_ && !final_line) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    drawn_ = true;
  } else if (final_line || ++ticks_ % 5 == 0) {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
    spdlog::info("up: {}", line);
  }
  std::fflush(stderr);
}

void UpConsole::line(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s\n", text.c_str());
  if (drawn_) std::fprintf(stderr, "%s", last_.c_str());
  std::fflush(stderr);
}

void UpConsole::finish() {
  std::lock_guard lock(mutex_);
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace tokenflow::cli
