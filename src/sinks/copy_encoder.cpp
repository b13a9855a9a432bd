#include "sinks/copy_encoder.hpp"

#include <charconv>
#include <cstring>
#include <limits>
#include <string>

#include "core/timestamp.hpp"
#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

constexpr std::int16_t kColumnCount = 7;
// 11-byte signature, int32 flags, int32 header-extension length.
constexpr char kBinaryHeader[19] = {'P',  'G', 'C', 'O', 'P', 'Y', '\n', '\xff', '\r', '\n',
                                    '\0', 0,   0,   0,   0,   0,   0,    0,      0};
constexpr std::size_t kAddressBytes = core::Address::kTextSize;
// Everything but the id: field count, 7 lengths, bigint, timestamptz, 3 addresses, numeric.
constexpr std::size_t kBinaryRowFixed = 2 + 7 * 4 + 8 + 8 + 3 * kAddressBytes + kMaxNumericBytes;
// Everything but the id: 6 tabs, newline, bigint, ISO time, 3 addresses, 78 digits.
constexpr std::size_t kTextRowFixed =
    7 + 20 + core::kIsoMaxSize + 3 * kAddressBytes + core::Uint256::kMaxDecimalDigits;

inline char* put16(char* p, std::uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
  return p + 2;
}

inline char* put32(char* p, std::uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
  return p + 4;
}

inline char* put64(char* p, std::uint64_t v) {
  p = put32(p, static_cast<std::uint32_t>(v >> 32));
  return put32(p, static_cast<std::uint32_t>(v));
}

core::Error bad_row(const core::Transfer& row, const std::string& why) {
  std::string id = row.id.value.substr(0, 80);
  for (char& c : id) {
    if (c == '\0') c = '?';
  }
  return make_error(errc::rejected, "transfer '" + id + "' cannot be stored: " + why);
}

}  // namespace

std::size_t write_numeric_binary(const core::Uint256& value, char* out) {
  // Base-10000 digits, least significant first; 10^16 at a time keeps the 256-bit divisions
  // down to five.
  std::uint16_t digits[20];
  int count = 0;
  if (value.fits_u64()) {
    std::uint64_t v = value.low_u64();
    while (v != 0) {
      digits[count++] = static_cast<std::uint16_t>(v % 10000);
      v /= 10000;
    }
  } else {
    core::Uint256 rest = value;
    while (!rest.is_zero()) {
      std::uint64_t chunk = rest.divmod_u64(10000000000000000ULL);
      for (int i = 0; i < 4; ++i) {
        digits[count++] = static_cast<std::uint16_t>(chunk % 10000);
        chunk /= 10000;
      }
    }
    while (count > 0 && digits[count - 1] == 0) --count;  // the top chunk's leading zeros
  }
  // Trailing zero digits are implied by the weight (PostgreSQL strips them too).
  int low = 0;
  while (low < count && digits[low] == 0) ++low;
  const int ndigits = count - low;
  const int weight = count == 0 ? 0 : count - 1;
  char* p = out;
  p = put16(p, static_cast<std::uint16_t>(ndigits));
  p = put16(p, static_cast<std::uint16_t>(weight));
  p = put16(p, 0x0000);  // sign: positive
  p = put16(p, 0);       // dscale: no fractional digits
  for (int i = count - 1; i >= low; --i) p = put16(p, digits[i]);
  return static_cast<std::size_t>(p - out);
}

char* write_copy_text(std::string_view text, char* out) {
  // Text format escapes: the delimiter, line ends and the escape character itself.
  for (char c : text) {
    switch (c) {
      case '\\':
        *out++ = '\\';
        *out++ = '\\';
        break;
      case '\t':
        *out++ = '\\';
        *out++ = 't';
        break;
      case '\n':
        *out++ = '\\';
        *out++ = 'n';
        break;
      case '\r':
        *out++ = '\\';
        *out++ = 'r';
        break;
      default:
        *out++ = c;
    }
  }
  return out;
}

std::string_view CopyEncoder::copy_options() const {
  return format_ == CopyFormat::binary ? " (FORMAT binary)" : " (FORMAT text)";
}

char* CopyEncoder::reserve(std::size_t n) {
  if (size_ + n > capacity_) {
    std::size_t capacity = capacity_ == 0 ? 64 * 1024 : capacity_;
    while (capacity < size_ + n) capacity *= 2;
    auto data = std::make_unique<char[]>(capacity);
    if (size_ != 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }
  return data_.get() + size_;
}

void CopyEncoder::begin() {
  size_ = 0;
  if (format_ == CopyFormat::binary) {
    std::memcpy(reserve(sizeof kBinaryHeader), kBinaryHeader, sizeof kBinaryHeader);
    size_ += sizeof kBinaryHeader;
  }
}

void CopyEncoder::finish() {
  if (format_ == CopyFormat::binary) {
    put16(reserve(2), 0xffff);  // field count -1: end of data
    size_ += 2;
  }
}

core::Result<void> CopyEncoder::append(const core::Transfer& row) {
  const std::string& id = row.id.value;
  if (std::memchr(id.data(), '\0', id.size()) != nullptr) {
    return bad_row(row, "its id holds a NUL byte, which PostgreSQL TEXT cannot store");
  }
  if (row.block_number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return bad_row(row,
                   "block_number " + std::to_string(row.block_number) + " is above BIGINT's range");
  }
  if (row.timestamp.value < 0 || row.timestamp.value > kMaxCopyMillis) {
    return bad_row(row, "timestamp " + std::to_string(row.timestamp.value) +
                            " ms is outside the years 1970..9999");
  }
  if (format_ == CopyFormat::binary) {
    char* out = reserve(kBinaryRowFixed + id.size());
    encode_binary(row, out);
  } else {
    char* out = reserve(kTextRowFixed + 2 * id.size());
    size_ += encode_text(row, out);
  }
  return core::success();
}

void CopyEncoder::encode_binary(const core::Transfer& row, char* out) {
  char* p = out;
  p = put16(p, static_cast<std::uint16_t>(kColumnCount));
  const std::string& id = row.id.value;
  p = put32(p, static_cast<std::uint32_t>(id.size()));
  std::memcpy(p, id.data(), id.size());
  p += id.size();
  p = put32(p, 8);
  p = put64(p, row.block_number);
  p = put32(p, 8);
  const std::int64_t micros = (row.timestamp.value - kPostgresEpochMillis) * 1000;
  p = put64(p, static_cast<std::uint64_t>(micros));
  for (const core::Address* address : {&row.contract_address, &row.from_address, &row.to_address}) {
    p = put32(p, static_cast<std::uint32_t>(kAddressBytes));
    address->write_hex(p);
    p += kAddressBytes;
  }
  char* length = p;
  const std::size_t numeric_size = write_numeric_binary(row.value, p + 4);
  put32(length, static_cast<std::uint32_t>(numeric_size));
  p += 4 + numeric_size;
  size_ += static_cast<std::size_t>(p - out);
}

std::size_t CopyEncoder::encode_text(const core::Transfer& row, char* out) {
  char* p = out;
  p = write_copy_text(row.id.value, p);
  *p++ = '\t';
  p = std::to_chars(p, p + 20, row.block_number).ptr;
  *p++ = '\t';
  p += core::write_iso8601(row.timestamp, p);
  for (const core::Address* address : {&row.contract_address, &row.from_address, &row.to_address}) {
    *p++ = '\t';
    address->write_hex(p);
    p += kAddressBytes;
  }
  *p++ = '\t';
  p += row.value.write_decimal(p);
  *p++ = '\n';
  return static_cast<std::size_t>(p - out);
}

}  // namespace tokenflow::sinks
