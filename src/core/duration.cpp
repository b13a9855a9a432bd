#include "core/duration.hpp"

#include <charconv>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t millis;
};
// Longest suffixes first, so "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000},
                           {"d", 86'400'000}};
constexpr std::int64_t kMaxMillis = 10LL * 365 * 86'400'000;

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::int64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  const std::string_view suffix(end, static_cast<std::size_t>(text.data() + text.size() - end));
  if (ec != std::errc() || end == text.data()) {
    return make_error(errc::not_a_number, "'" + std::string(text) +
                                              "' is not a duration: write a number and a unit, "
                                              "e.g. 250ms, 5s, 5m, 1h, 24h, 7d");
  }
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    if (number <= 0 || number > kMaxMillis / unit.millis) {
      return make_error(errc::out_of_range, "duration '" + std::string(text) +
                                                "' must be above zero and at most 10 years");
    }
    return std::chrono::milliseconds(number * unit.millis);
  }
  return make_error(errc::not_a_number, "duration '" + std::string(text) +
                                            "' has no known unit: use ms, s, m, h or d");
}

std::string format_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count();
  // Hours at most: people write a day as 24h (WINDOWS=5m,1h,24h).
  for (auto it = std::rbegin(kUnits) + 1; it != std::rend(kUnits); ++it) {
    if (ms != 0 && ms % it->millis == 0) return std::to_string(ms / it->millis) + std::string(it->suffix);
  }
  return std::to_string(ms) + "ms";
}

}  // namespace tokenflow::core
