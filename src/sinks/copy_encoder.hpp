// CopyEncoder: turns transfers into the bytes of PostgreSQL's `COPY ... FROM STDIN`, in the
// binary format (no parsing left for the server: NUMERIC as base-10000 digits, TIMESTAMPTZ
// as microseconds since 2000-01-01) or the text format (tab-separated, escaped).
// Columns, in order: id, block_number, timestamp, contract_address, from_address,
// to_address, value (kCopyColumns).
//
// The buffer is reused: after warm-up, encoding a row allocates nothing. Used by one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "core/transfer.hpp"

namespace tokenflow::sinks {

enum class CopyFormat { binary, text };

// The column list every COPY of transfers names, in encoding order.
inline constexpr std::string_view kCopyColumns =
    R"((id, block_number, "timestamp", contract_address, from_address, to_address, "value"))";

class CopyEncoder {
 public:
  explicit CopyEncoder(CopyFormat format) : format_(format) {}

  CopyFormat format() const { return format_; }
  // " (FORMAT binary)" or " (FORMAT text)": what follows `FROM STDIN` in the statement.
  std::string_view copy_options() const;

  // Starts a new COPY stream: empties the buffer and writes the binary header.
  void begin();
  // Appends one row. Errors (errc::rejected, naming the transfer): an id holding a NUL byte
  // (TEXT cannot), a block number above BIGINT, a timestamp outside years 1..9999.
  core::Result<void> append(const core::Transfer& row);
  // Ends the stream (the binary trailer).
  void finish();

  // The bytes encoded since begin() or the last consume(); consume() forgets them (keeping
  // the memory), so a caller can stream a batch in chunks while it encodes.
  std::string_view pending() const { return {data_.get(), size_}; }
  void consume() { size_ = 0; }

 private:
  char* reserve(std::size_t n);
  void encode_binary(const core::Transfer& row, char* out);
  std::size_t encode_text(const core::Transfer& row, char* out);

  CopyFormat format_;
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// NUMERIC's binary form of an unsigned integer: int16 ndigits, int16 weight, int16 sign,
// int16 dscale, then ndigits base-10000 digits, most significant first, all big-endian.
// Writes at most kMaxNumericBytes to `out` and returns how many.
inline constexpr std::size_t kMaxNumericBytes = 8 + 2 * 20;  // 2^256-1 has 20 base-10000 digits
std::size_t write_numeric_binary(const core::Uint256& value, char* out);

// Writes `text` as a field of the text format (backslash, tab and line ends escaped) and
// returns the end: at most 2 * text.size() bytes.
char* write_copy_text(std::string_view text, char* out);

// Years 1970..9999, the range every parser of ours accepts.
inline constexpr std::int64_t kMaxCopyMillis = 253402300799999;

// Microseconds since 2000-01-01T00:00:00Z, PostgreSQL's binary TIMESTAMPTZ.
inline constexpr std::int64_t kPostgresEpochMillis = 946684800000;

}  // namespace tokenflow::sinks
