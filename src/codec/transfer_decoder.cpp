#include "codec/transfer_decoder.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "codec/errc.hpp"
#include "codec/json_field.hpp"
#include "codec/transfer_field.hpp"

namespace tokenflow::codec {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

using Field = TransferField;

constexpr std::size_t kMaxTxHashBytes = 128;
constexpr std::size_t kMaxSymbolBytes = 64;
constexpr std::uint64_t kMaxLogIndex = 0xffffffffULL;
constexpr std::uint64_t kMaxDecimals = 77;  // 10^78 > 2^256: more would make no amount whole

// A key as the decoder remembers it: a string_view with a trivial default constructor, so an
// array of them costs nothing until used.
struct KeyView {
  const char* data;
  std::size_t size;
  KeyView() = default;
  explicit KeyView(std::string_view key) : data(key.data()), size(key.size()) {}
  std::string_view view() const { return {data, size}; }
};

// The full reader of each field: the reason for a rejection, or success for a valid form that
// read_fast left to it. Assigns the field on success.
core::Result<void> read_checked(Field field, std::string_view key, element value,
                                core::Transfer& out) {
  core::Result<void> ok = core::success();
  switch (field) {
    case Field::id: {
      std::string_view id;
      ok = read_string(value, key, id);
      if (ok && id.empty()) ok = make_error(errc::invalid_value, "field 'id' is empty");
      if (ok && id.size() > core::EventId::kMaxSize) {
        ok = make_error(errc::invalid_value, "field 'id' is " + std::to_string(id.size()) +
                                                 " bytes; an id is at most 256");
      }
      if (ok) out.id.value.assign(id);
      break;
    }
    case Field::block_number:
      ok = read_uint(value, key, UINT64_MAX, out.block_number);
      break;
    case Field::timestamp:
      ok = read_timestamp(value, key, out.timestamp);
      break;
    case Field::contract_address:
      ok = read_address(value, key, out.contract_address);
      break;
    case Field::from_address:
      ok = read_address(value, key, out.from_address);
      break;
    case Field::to_address:
      ok = read_address(value, key, out.to_address);
      break;
    case Field::value:
      ok = read_amount(value, key, out.value);
      break;
    case Field::chain_id: {
      std::uint64_t chain = 0;
      ok = read_uint(value, key, UINT64_MAX, chain);
      if (ok) out.chain_id = chain;
      break;
    }
    case Field::tx_hash: {
      std::string_view hash;
      ok = read_string(value, key, hash);
      if (ok && hash.size() > kMaxTxHashBytes) {
        ok = make_error(errc::invalid_value, "field '" + std::string(key) + "' is " +
                                                 std::to_string(hash.size()) +
                                                 " bytes; a transaction hash is at most 128");
      }
      if (ok) out.tx_hash.assign(hash);
      break;
    }
    case Field::log_index: {
      std::uint64_t index_value = 0;
      ok = read_uint(value, key, kMaxLogIndex, index_value);
      if (ok) out.log_index = static_cast<std::uint32_t>(index_value);
      break;
    }
    case Field::symbol: {
      std::string_view symbol;
      ok = read_string(value, key, symbol);
      if (ok && symbol.size() > kMaxSymbolBytes) {
        ok = make_error(errc::invalid_value, "field 'symbol' is longer than 64 bytes");
      }
      if (ok) out.symbol.assign(symbol);
      break;
    }
    case Field::decimals: {
      std::uint64_t decimals = 0;
      ok = read_uint(value, key, kMaxDecimals, decimals);
      if (ok) out.decimals = static_cast<std::uint8_t>(decimals);
      break;
    }
    case Field::count:
      break;
  }
  return ok;
}

bool read_bounded_string(element value, std::size_t max_size, std::string& out) {
  std::string_view text;
  if (!try_read_string(value, text) || text.size() > max_size) return false;
  out.assign(text);  // reuses the capacity of the previous message's string
  return true;
}

// The common case: a valid field in its usual form, read without building a Result. False
// means read_checked must run (and explain the rejection); `out`'s field is then unchanged.
bool read_fast(Field field, element value, core::Transfer& out) {
  std::uint64_t number = 0;
  switch (field) {
    case Field::id: {
      std::string_view id;
      if (!try_read_string(value, id) || id.empty() || id.size() > core::EventId::kMaxSize) {
        return false;
      }
      out.id.value.assign(id);
      return true;
    }
    case Field::block_number:
      return try_read_uint(value, UINT64_MAX, out.block_number);
    case Field::timestamp:
      return try_read_timestamp(value, out.timestamp);
    case Field::contract_address:
      return try_read_address(value, out.contract_address);
    case Field::from_address:
      return try_read_address(value, out.from_address);
    case Field::to_address:
      return try_read_address(value, out.to_address);
    case Field::value:
      return try_read_amount(value, out.value);
    case Field::chain_id:
      if (!try_read_uint(value, UINT64_MAX, number)) return false;
      out.chain_id = number;
      return true;
    case Field::tx_hash:
      return read_bounded_string(value, kMaxTxHashBytes, out.tx_hash);
    case Field::log_index:
      if (!try_read_uint(value, kMaxLogIndex, number)) return false;
      out.log_index = static_cast<std::uint32_t>(number);
      return true;
    case Field::symbol:
      return read_bounded_string(value, kMaxSymbolBytes, out.symbol);
    case Field::decimals:
      if (!try_read_uint(value, kMaxDecimals, number)) return false;
      out.decimals = static_cast<std::uint8_t>(number);
      return true;
    case Field::count:
      break;
  }
  return false;
}

}  // namespace

TransferDecoder::TransferDecoder() : parser_(kMaxMessageBytes) {}

core::Result<void> TransferDecoder::decode(std::string_view message, core::Transfer& out) {
  simdjson::dom::object object;
  if (auto parsed = parse_object(parser_, message, kMaxMessageBytes, "a transfer", object); !parsed) {
    return parsed;
  }

  out.tx_hash.clear();
  out.symbol.clear();
  out.chain_id.reset();
  out.log_index.reset();
  out.decimals.reset();

  // Read only where `seen` has the field's bit, and below unknown_count: left uninitialised,
  // as zeroing 44 string_views cost more than a typical field.
  KeyView seen_as[kTransferFieldCount];
  std::uint32_t seen = 0;
  KeyView unknown_keys[32];
  std::size_t unknown_count = 0;

  for (auto [key, value] : object) {
    Field field;
    if (!find_transfer_field(key, field)) {
      // Unknown fields are allowed (producers add their own), but not twice.
      for (std::size_t i = 0; i < unknown_count; ++i) {
        if (unknown_keys[i].view() == key) {
          return make_error(errc::duplicate_key,
                            "field '" + std::string(key) + "' appears twice");
        }
      }
      if (unknown_count < std::size(unknown_keys)) unknown_keys[unknown_count++] = KeyView(key);
      continue;
    }
    auto bit = 1u << static_cast<unsigned>(field);
    auto index = static_cast<std::size_t>(field);
    if (seen & bit) {
      if (seen_as[index].view() == key) {
        return make_error(errc::duplicate_key, "field '" + std::string(key) + "' appears twice");
      }
      return make_error(errc::duplicate_key, "fields '" + std::string(seen_as[index].view()) +
                                                 "' and '" + std::string(key) + "' both give " +
                                                 kTransferFieldName[index]);
    }
    seen |= bit;
    seen_as[index] = KeyView(key);
    if (value.is_null()) {
      seen &= ~bit;  // null counts as absent: a required field then reports missing
      continue;
    }

    if (read_fast(field, value, out)) continue;
    if (auto ok = read_checked(field, key, value, out); !ok) return ok;
  }

  constexpr Field kRequired[] = {Field::id,           Field::block_number, Field::timestamp,
                                 Field::contract_address, Field::from_address,
                                 Field::to_address,   Field::value};
  constexpr std::uint32_t kAllRequired = [&] {
    std::uint32_t mask = 0;
    for (Field f : kRequired) mask |= 1u << static_cast<unsigned>(f);
    return mask;
  }();
  if ((seen & kAllRequired) == kAllRequired) return core::success();
  for (Field f : kRequired) {
    if (!(seen & (1u << static_cast<unsigned>(f)))) {
      return make_error(errc::missing_field, std::string("field '") +
                                                 kTransferFieldName[static_cast<std::size_t>(f)] +
                                                 "' is missing (or null)");
    }
  }
  return core::success();
}

}  // namespace tokenflow::codec
