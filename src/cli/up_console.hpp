// UpConsole: `up`'s terminal. One progress line redrawn in place (on a terminal; every fifth
// one logged otherwise), and lines such as alerts printed above it without tearing it: both
// go to standard error, from any thread.
#pragma once

#include <mutex>
#include <string>

namespace tokenflow::cli {

class UpConsole {
 public:
  UpConsole();
  // The progress line; `final_line` logs it whatever the terminal.
  void progress(const std::string& line, bool final_line = false);
  // A line above the progress line (which is drawn again after it).
  void line(const std::string& text);
  // Ends the progress line, so what follows starts on a fresh line.
  void finish();
  bool tty() const { return tty_; }

 private:
  std::mutex mutex_;
  bool tty_ = false;
  bool drawn_ = false;
  int ticks_ = 0;
  std::string last_;
};

// 1234567 -> "1,234,567".
std::string with_commas(std::uint64_t n);

}  // namespace tokenflow::cli
