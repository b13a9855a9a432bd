#include "core/timestamp.hpp"

#include <chrono>

#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

Error bad(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 64));
  return make_error(errc::invalid_timestamp,
                    "'" + shown + "' is not a timestamp (ISO-8601 UTC or unix seconds): " +
                        std::string(why));
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`; false if any is not a digit.
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  return true;
}

// Reads a fraction ".ddd" at `pos` into milliseconds (digits past the third are dropped).
std::size_t read_fraction_millis(std::string_view s, std::size_t pos, std::int64_t& millis) {
  millis = 0;
  if (pos >= s.size() || s[pos] != '.') return pos;
  std::size_t i = pos + 1;
  int digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (digits < 3) millis = millis * 10 + (s[i] - '0');
    ++digits;
    ++i;
  }
  if (digits == 0) return std::string_view::npos;
  for (int k = digits; k < 3; ++k) millis *= 10;
  return i;
}

// Each parser returns nullptr when `text` parsed into `out`, else why it is not a timestamp
// (the end of the error sentence): the Result forms build the sentence, the try_ form does not.
const char* unix_seconds_rejection(std::string_view text, UnixMillis& out) {
  if (text.empty()) return "it is empty";
  std::int64_t seconds = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    seconds = seconds * 10 + (text[i] - '0');
    if (seconds > kMaxUnixSeconds) return "it is after the year 9999";
  }
  if (i == 0) return "unix seconds must start with a digit";
  std::int64_t millis = 0;
  std::size_t end = read_fraction_millis(text, i, millis);
  if (end != text.size()) return "unix seconds must be digits with an optional fraction";
  out = UnixMillis{seconds * 1000 + millis};
  return nullptr;
}

const char* iso8601_rejection(std::string_view s, UnixMillis& out) {
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' ||
      !read_digits(s, 5, 2, month) || s[7] != '-' || !read_digits(s, 8, 2, day) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_digits(s, 11, 2, hour) ||
      s[13] != ':' || !read_digits(s, 14, 2, minute) || s[16] != ':' ||
      !read_digits(s, 17, 2, second)) {
    return "expected YYYY-MM-DDThh:mm:ss";
  }
  if (year < 1970) return "it is before 1970";
  if (month < 1 || month > 12) return "the month is not 01-12";
  if (day < 1 || day > days_in_month(year, month)) return "that day does not exist";
  if (hour > 23 || minute > 59 || second > 60) return "the time of day is out of range";
  if (second == 60) second = 59;  // a leap second is kept inside its minute
  std::int64_t millis = 0;
  std::size_t pos = read_fraction_millis(s, 19, millis);
  if (pos == std::string_view::npos) return "a '.' must be followed by digits";
  std::int64_t offset_seconds = 0;
  if (pos < s.size()) {
    char zone = s[pos];
    if ((zone == 'Z' || zone == 'z') && pos + 1 == s.size()) {
      pos = s.size();
    } else if (zone == '+' || zone == '-') {
      unsigned oh = 0, om = 0;
      std::size_t rest = s.size() - pos - 1;
      bool ok = false;
      if (rest == 2) ok = read_digits(s, pos + 1, 2, oh);
      if (rest == 4) ok = read_digits(s, pos + 1, 2, oh) && read_digits(s, pos + 3, 2, om);
      if (rest == 5) {
        ok = read_digits(s, pos + 1, 2, oh) && s[pos + 3] == ':' && read_digits(s, pos + 4, 2, om);
      }
      if (!ok || oh > 23 || om > 59) return "the UTC offset must be +hh:mm";
      offset_seconds = (zone == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
      pos = s.size();
    } else {
      return "unexpected characters after the time";
    }
  }
  std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                         second - offset_seconds;
  if (seconds < 0) return "it is before 1970";
  // A negative offset can carry 9999-12-31 past the year's end, which no timestamp of ours
  // can be written as (found by swap_decoder_fuzz).
  if (seconds > kMaxUnixSeconds) return "it is after the year 9999";
  out = UnixMillis{seconds * 1000 + millis};
  return nullptr;
}

const char* timestamp_rejection(std::string_view text, UnixMillis& out) {
  if (!text.empty() && text.size() < 19) return unix_seconds_rejection(text, out);
  // The common case, "YYYY-...": a '-' is neither digit nor '.', so no need to scan for one.
  if (text.size() > 4 && text[4] == '-') return iso8601_rejection(text, out);
  bool digits_only = !text.empty();
  for (char c : text) {
    if ((c < '0' || c > '9') && c != '.') {
      digits_only = false;
      break;
    }
  }
  return digits_only ? unix_seconds_rejection(text, out) : iso8601_rejection(text, out);
}

}  // namespace

Result<UnixMillis> parse_unix_seconds(std::string_view text) {
  UnixMillis t;
  if (const char* why = unix_seconds_rejection(text, t)) return bad(text, why);
  return t;
}

Result<UnixMillis> parse_iso8601(std::string_view text) {
  UnixMillis t;
  if (const char* why = iso8601_rejection(text, t)) return bad(text, why);
  return t;
}

Result<UnixMillis> parse_timestamp(std::string_view text) {
  UnixMillis t;
  if (const char* why = timestamp_rejection(text, t)) return bad(text, why);
  return t;
}

bool try_parse_timestamp(std::string_view text, UnixMillis& out) noexcept {
  return timestamp_rejection(text, out) == nullptr;
}

std::size_t write_iso8601(UnixMillis t, char* out) {
  std::int64_t ms = t.value;
  std::int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  auto millis = static_cast<unsigned>(ms - seconds * 1000);
  std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  auto sod = static_cast<unsigned>(seconds - days * 86400);
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  auto put2 = [](char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  auto year = static_cast<unsigned>(y < 0 ? 0 : (y > 9999 ? 9999 : y));
  out[0] = static_cast<char>('0' + year / 1000);
  out[1] = static_cast<char>('0' + year / 100 % 10);
  out[2] = static_cast<char>('0' + year / 10 % 10);
  out[3] = static_cast<char>('0' + year % 10);
  out[4] = '-';
  put2(out + 5, m);
  out[7] = '-';
  put2(out + 8, d);
  out[10] = 'T';
  put2(out + 11, sod / 3600);
  out[13] = ':';
  put2(out + 14, sod / 60 % 60);
  out[16] = ':';
  put2(out + 17, sod % 60);
  std::size_t n = 19;
  if (millis != 0) {
    out[n++] = '.';
    out[n++] = static_cast<char>('0' + millis / 100);
    out[n++] = static_cast<char>('0' + millis / 10 % 10);
    out[n++] = static_cast<char>('0' + millis % 10);
  }
  out[n++] = 'Z';
  return n;
}

std::string to_iso8601(UnixMillis t) {
  char buf[kIsoMaxSize];
  return std::string(buf, write_iso8601(t, buf));
}

UnixMillis now_millis() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return UnixMillis{std::chrono::duration_cast<std::chrono::milliseconds>(now).count()};
}

}  // namespace tokenflow::core
