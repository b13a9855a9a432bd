// CopyEncoder: the bytes of COPY's binary and text formats, checked against the format's
// definition (the server-side round trip is in tests/integration/store_postgres_test.cpp).
#include "sinks/copy_encoder.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

std::uint16_t get16(const char* p) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(p[0]) << 8) |
                                    static_cast<std::uint8_t>(p[1]));
}

std::uint32_t get32(const char* p) {
  return (static_cast<std::uint32_t>(get16(p)) << 16) | get16(p + 2);
}

// NUMERIC's binary form back to decimal text, the way numeric_recv reads it.
std::string numeric_to_decimal(const char* p, std::size_t size) {
  const int ndigits = get16(p);
  const int weight = static_cast<std::int16_t>(get16(p + 2));
  EXPECT_EQ(get16(p + 4), 0) << "sign";
  EXPECT_EQ(get16(p + 6), 0) << "dscale";
  EXPECT_EQ(size, 8u + 2u * static_cast<std::size_t>(ndigits));
  if (ndigits == 0) return "0";
  std::string out;
  for (int i = 0; i <= weight; ++i) {
    const int digit = i < ndigits ? get16(p + 8 + 2 * i) : 0;
    EXPECT_LT(digit, 10000);
    EXPECT_TRUE(i != 0 || digit != 0) << "leading zero digit";
    std::string group = std::to_string(digit);
    if (i != 0) group.insert(0, 4 - group.size(), '0');
    out += group;
  }
  EXPECT_NE(get16(p + 8 + 2 * (ndigits - 1)), 0) << "trailing zero digit";
  return out;
}

std::string numeric_of(const core::Uint256& v) {
  char buf[kMaxNumericBytes];
  const std::size_t n = write_numeric_binary(v, buf);
  return numeric_to_decimal(buf, n);
}

core::Transfer sample() {
  core::Transfer t;
  t.id.value = "0xfeed_7";
  t.block_number = 19000001;
  t.timestamp.value = 946684800000 + 1500;  // 2000-01-01T00:00:01.5Z
  std::array<std::uint8_t, 20> bytes{};
  bytes[19] = 1;
  t.contract_address = core::Address(bytes);
  t.from_address = core::Address();
  bytes[0] = 0xff;
  t.to_address = core::Address(bytes);
  t.value = core::Uint256(10000);
  return t;
}

TEST(NumericBinary, EncodesEdgeValues) {
  for (const char* text :
       {"0", "1", "9999", "10000", "10001", "99990000", "100000000", "1000000000000000000",
        "18446744073709551615", "18446744073709551616", "10000000000000000",
        "100000000000000000000000000000000000000000000000000000000000000000000000000000",
        "115792089237316195423570985008687907853269984665640564039457584007913129639935"}) {
    EXPECT_EQ(numeric_of(*core::Uint256::from_decimal(text)), text);
  }
  char buf[kMaxNumericBytes];
  EXPECT_EQ(write_numeric_binary(core::Uint256::max(), buf), kMaxNumericBytes);
  EXPECT_EQ(get16(buf), 20);      // ndigits
  EXPECT_EQ(get16(buf + 2), 19);  // weight
  EXPECT_EQ(get16(buf + 8), 11);  // 11 5792 0892 ...
  EXPECT_EQ(write_numeric_binary(core::Uint256(10000), buf), 10u);
  EXPECT_EQ(get16(buf), 1);
  EXPECT_EQ(get16(buf + 2), 1);
  EXPECT_EQ(get16(buf + 8), 1);
}

TEST(NumericBinary, MatchesDecimalTextForRandomValues) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::array<std::uint64_t, 4> limbs{rng(), rng(), rng(), rng()};
    const int keep = i % 5;  // values of every width, 0 to 256 bits
    for (int k = keep; k < 4; ++k) limbs[static_cast<std::size_t>(k)] = 0;
    if (i % 7 == 0) limbs[0] = limbs[0] / 10000 * 10000;  // trailing zero digits
    const core::Uint256 v(limbs);
    ASSERT_EQ(numeric_of(v), v.to_decimal());
  }
}

TEST(CopyEncoder, BinaryStreamHasHeaderRowsAndTrailer) {
  CopyEncoder encoder(CopyFormat::binary);
  encoder.begin();
  ASSERT_TRUE(encoder.append(sample()).ok());
  encoder.finish();
  const std::string_view bytes = encoder.pending();
  ASSERT_EQ(bytes.substr(0, 11), std::string_view("PGCOPY\n\xff\r\n\0", 11));
  EXPECT_EQ(get32(bytes.data() + 11), 0u);  // flags
  EXPECT_EQ(get32(bytes.data() + 15), 0u);  // header extension
  const char* p = bytes.data() + 19;
  EXPECT_EQ(get16(p), 7);
  p += 2;
  EXPECT_EQ(get32(p), 8u);  // id
  EXPECT_EQ(std::string_view(p + 4, 8), "0xfeed_7");
  p += 12;
  EXPECT_EQ(get32(p), 8u);  // block_number
  EXPECT_EQ(get32(p + 8), 19000001u);
  p += 12;
  EXPECT_EQ(get32(p), 8u);  // timestamptz: microseconds since 2000-01-01
  EXPECT_EQ(get32(p + 4), 0u);
  EXPECT_EQ(get32(p + 8), 1500000u);
  p += 12;
  EXPECT_EQ(get32(p), 42u);
  EXPECT_EQ(std::string_view(p + 4, 42), "0x0000000000000000000000000000000000000001");
  p += 3 * 46;
  EXPECT_EQ(get32(p), 10u);  // numeric 10000: one digit, weight 1
  EXPECT_EQ(numeric_to_decimal(p + 4, 10), "10000");
  p += 14;
  EXPECT_EQ(get16(p), 0xffff);
  EXPECT_EQ(p + 2, bytes.data() + bytes.size());
}

TEST(CopyEncoder, TextEscapesTheIdAndWritesOneLinePerRow) {
  CopyEncoder encoder(CopyFormat::text);
  encoder.begin();
  auto t = sample();
  t.id.value = "a\tb\\c\nd\re";
  ASSERT_TRUE(encoder.append(t).ok());
  encoder.finish();
  EXPECT_EQ(encoder.pending(),
            "a\\tb\\\\c\\nd\\re\t19000001\t2000-01-01T00:00:01.500Z\t"
            "0x0000000000000000000000000000000000000001\t"
            "0x0000000000000000000000000000000000000000\t"
            "0xff00000000000000000000000000000000000001\t10000\n");
}

TEST(CopyEncoder, RefusesRowsPostgresCannotHold) {
  for (CopyFormat format : {CopyFormat::binary, CopyFormat::text}) {
    CopyEncoder encoder(format);
    encoder.begin();
    auto t = sample();
    t.id.value = std::string("a\0b", 3);
    auto r = encoder.append(t);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::rejected);
    EXPECT_NE(r.error().message.find("NUL"), std::string::npos);
    t = sample();
    t.block_number = 1ULL << 63;
    r = encoder.append(t);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("0xfeed_7"), std::string::npos) << r.error().message;
    t = sample();
    t.timestamp.value = -1;
    EXPECT_FALSE(encoder.append(t).ok());
  }
}

TEST(CopyEncoder, ReusesItsBufferAcrossBatches) {
  CopyEncoder encoder(CopyFormat::binary);
  auto encode_batch = [&] {
    encoder.begin();
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(encoder.append(sample()).ok());
    encoder.finish();
  };
  encode_batch();
  const char* buffer = encoder.pending().data();
  const std::size_t size = encoder.pending().size();
  encode_batch();
  EXPECT_EQ(encoder.pending().data(), buffer);
  EXPECT_EQ(encoder.pending().size(), size);
  encoder.consume();
  EXPECT_TRUE(encoder.pending().empty());
}

}  // namespace
}  // namespace tokenflow::sinks
