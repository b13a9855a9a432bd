// The binary form of stream state in checkpoints: little-endian fixed-size fields appended to
// a byte string (StateWriter) and read back with bounds checks (StateReader), so a damaged
// file is an error, never a crash or a wild allocation. The checksum and the header live in
// checkpoint_store.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace tokenflow::stream {

class StateWriter {
 public:
  explicit StateWriter(std::string& out) : out_(out) {}
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void put_bytes(const void* data, std::size_t size) {
    out_.append(static_cast<const char*>(data), size);
  }

 private:
  std::string& out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}
  // False (and `value` untouched) when the input is exhausted: the caller reports corruption.
  template <typename T>
  [[nodiscard]] bool get(T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() - pos_ < sizeof value) return false;
    std::memcpy(&value, in_.data() + pos_, sizeof value);
    pos_ += sizeof value;
    return true;
  }
  [[nodiscard]] bool get_bytes(void* data, std::size_t size) {
    if (in_.size() - pos_ < size) return false;
    std::memcpy(data, in_.data() + pos_, size);
    pos_ += size;
    return true;
  }
  // A count of items of `item_size` bytes each that the rest of the input can hold; false
  // for a count no undamaged file could have (so nothing allocates from a bad length).
  [[nodiscard]] bool get_count(std::uint64_t& count, std::size_t item_size) {
    if (!get(count)) return false;
    return item_size == 0 || count <= (in_.size() - pos_) / item_size;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace tokenflow::stream
