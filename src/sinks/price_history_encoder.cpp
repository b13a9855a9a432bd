#include "sinks/price_history_encoder.hpp"

#include <cstring>
#include <optional>

#include "core/timestamp.hpp"
#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

core::Error bad_tick(const core::PriceTick& tick, const std::string& why) {
  std::string id = tick.id.substr(0, 80);
  for (char& c : id) {
    if (c == '\0') c = '?';
  }
  return make_error(errc::rejected, "price tick '" + id + "' cannot be stored: " + why);
}

bool holds_nul(std::string_view text) { return std::memchr(text.data(), '\0', text.size()) != nullptr; }

void append_text(std::string& out, std::string_view text) {
  const std::size_t at = out.size();
  out.resize(at + 2 * text.size());
  char* end = write_copy_text(text, out.data() + at);
  out.resize(static_cast<std::size_t>(end - out.data()));
}

void append_decimal(std::string& out, const core::Decimal& value) {
  char buf[core::Decimal::kMaxTextSize];
  out.append(buf, value.write(buf));
}

void append_optional(std::string& out, const std::optional<core::Decimal>& value) {
  if (value) {
    append_decimal(out, *value);
  } else {
    out += "\\N";
  }
}

}  // namespace

core::Result<void> PriceHistoryEncoder::append(const core::PriceTick& tick) {
  for (std::string_view field : {std::string_view(tick.asset), std::string_view(tick.source),
                                 std::string_view(tick.symbol)}) {
    if (holds_nul(field)) return bad_tick(tick, "a text field holds a NUL byte");
  }
  if (tick.timestamp.value < 0 || tick.timestamp.value > kMaxCopyMillis) {
    return bad_tick(tick, "timestamp " + std::to_string(tick.timestamp.value) +
                              " ms is outside the years 1970..9999");
  }
  append_text(buffer_, tick.asset);
  buffer_ += '\t';
  append_text(buffer_, tick.source);
  buffer_ += '\t';
  char iso[core::kIsoMaxSize];
  buffer_.append(iso, core::write_iso8601(tick.timestamp, iso));
  buffer_ += '\t';
  append_decimal(buffer_, tick.price_usd);
  buffer_ += '\t';
  if (tick.symbol.empty()) {
    buffer_ += "\\N";
  } else {
    append_text(buffer_, tick.symbol);
  }
  buffer_ += '\t';
  append_optional(buffer_, tick.volume_24h_usd);
  buffer_ += '\t';
  if (tick.change_24h_pct) {
    if (tick.change_24h_pct->negative) buffer_ += '-';
    append_decimal(buffer_, tick.change_24h_pct->magnitude);
  } else {
    buffer_ += "\\N";
  }
  buffer_ += '\t';
  append_optional(buffer_, tick.liquidity_usd);
  buffer_ += '\n';
  return core::success();
}

}  // namespace tokenflow::sinks
