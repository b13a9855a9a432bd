// 64-bit fingerprints of event ids and trader addresses: MurmurHash64A with a fixed seed.
// Fixed on purpose (not std::hash): fingerprints are stored in checkpoints and must mean the
// same after a restart, a rebuild or on another machine.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tokenflow::stream {

inline std::uint64_t fingerprint(const void* data, std::size_t size) noexcept {
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  std::uint64_t h = 0x7f4a7c159e3779b9ULL ^ (size * m);
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + (size / 8) * 8;
  for (; p != end; p += 8) {
    std::uint64_t k;
    std::memcpy(&k, p, 8);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  std::uint64_t tail = 0;
  const std::size_t left = size & 7;
  if (left != 0) {
    std::memcpy(&tail, p, left);
    h ^= tail;
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

inline std::uint64_t fingerprint(std::string_view text) noexcept {
  return fingerprint(text.data(), text.size());
}

}  // namespace tokenflow::stream
