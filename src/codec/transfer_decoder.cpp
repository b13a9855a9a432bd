#include "codec/transfer_decoder.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "codec/errc.hpp"
#include "codec/json_field.hpp"

namespace tokenflow::codec {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

enum class Field : std::uint8_t {
  id, block_number, timestamp, contract_address, from_address, to_address, value,
  chain_id, tx_hash, log_index, symbol, decimals, count
};

constexpr std::array<const char*, static_cast<std::size_t>(Field::count)> kCanonicalName = {
    "id", "block_number", "timestamp", "contract_address", "from_address", "to_address", "value",
    "chain_id", "tx_hash", "log_index", "symbol", "decimals"};

struct Alias {
  std::string_view name;
  Field field;
};

// snake_case names of DESIGN.md first, then the camelCase spellings indexers use.
constexpr Alias kAliases[] = {
    {"id", Field::id},
    {"block_number", Field::block_number},
    {"timestamp", Field::timestamp},
    {"contract_address", Field::contract_address},
    {"from_address", Field::from_address},
    {"to_address", Field::to_address},
    {"value", Field::value},
    {"chain_id", Field::chain_id},
    {"tx_hash", Field::tx_hash},
    {"log_index", Field::log_index},
    {"symbol", Field::symbol},
    {"decimals", Field::decimals},
    {"blockNumber", Field::block_number},
    {"contractAddress", Field::contract_address},
    {"from", Field::from_address},
    {"fromAddress", Field::from_address},
    {"to", Field::to_address},
    {"toAddress", Field::to_address},
    {"chainId", Field::chain_id},
    {"txHash", Field::tx_hash},
    {"transactionHash", Field::tx_hash},
    {"transaction_hash", Field::tx_hash},
    {"logIndex", Field::log_index},
};

bool find_field(std::string_view key, Field& field) {
  for (const auto& alias : kAliases) {
    if (alias.name.size() == key.size() && alias.name == key) {
      field = alias.field;
      return true;
    }
  }
  return false;
}

constexpr std::size_t kMaxTxHashBytes = 128;
constexpr std::size_t kMaxSymbolBytes = 64;
constexpr std::uint64_t kMaxLogIndex = 0xffffffffULL;
constexpr std::uint64_t kMaxDecimals = 77;  // 10^78 > 2^256: more would make no amount whole

core::Error syntax_error(simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR:
      return make_error(errc::invalid_utf8, "the message is not valid UTF-8");
    case simdjson::EMPTY:
      return make_error(errc::empty, "the message is empty (only whitespace)");
    case simdjson::DEPTH_ERROR:
      return make_error(errc::not_json, "the message nests JSON deeper than allowed");
    case simdjson::NUMBER_ERROR:
      return make_error(errc::not_json, "the message has a number JSON cannot represent");
    default:
      return make_error(errc::not_json, std::string("the message is not one valid JSON document (") +
                                             simdjson::error_message(code) + ")");
  }
}

}  // namespace

TransferDecoder::TransferDecoder() : parser_(kMaxMessageBytes) {}

core::Result<void> TransferDecoder::decode(std::string_view message, core::Transfer& out) {
  if (message.empty()) return make_error(errc::empty, "the message is empty (0 bytes)");
  if (message.size() > kMaxMessageBytes) {
    return make_error(errc::too_large, "the message is " + std::to_string(message.size()) +
                                           " bytes; an event is at most " +
                                           std::to_string(kMaxMessageBytes));
  }
  element root;
  if (auto code = parser_.parse(message.data(), message.size(), true).get(root); code) {
    return syntax_error(code);
  }
  if (root.type() != element_type::OBJECT) {
    return make_error(errc::not_an_object,
                      std::string("the message is a JSON ") + json_type_name(root.type()) +
                          ", not one JSON object with the fields of a transfer");
  }

  out.tx_hash.clear();
  out.symbol.clear();
  out.chain_id.reset();
  out.log_index.reset();
  out.decimals.reset();

  std::array<std::string_view, static_cast<std::size_t>(Field::count)> seen_as{};
  std::uint32_t seen = 0;
  std::string_view unknown_keys[32];
  std::size_t unknown_count = 0;

  simdjson::dom::object object;
  if (auto code = root.get_object().get(object); code) return syntax_error(code);
  for (auto [key, value] : object) {
    Field field;
    if (!find_field(key, field)) {
      // Unknown fields are allowed (producers add their own), but not twice.
      for (std::size_t i = 0; i < unknown_count; ++i) {
        if (unknown_keys[i] == key) {
          return make_error(errc::duplicate_key,
                            "field '" + std::string(key) + "' appears twice");
        }
      }
      if (unknown_count < std::size(unknown_keys)) unknown_keys[unknown_count++] = key;
      continue;
    }
    auto bit = 1u << static_cast<unsigned>(field);
    auto index = static_cast<std::size_t>(field);
    if (seen & bit) {
      if (seen_as[index] == key) {
        return make_error(errc::duplicate_key, "field '" + std::string(key) + "' appears twice");
      }
      return make_error(errc::duplicate_key, "fields '" + std::string(seen_as[index]) + "' and '" +
                                                 std::string(key) + "' both give " +
                                                 kCanonicalName[index]);
    }
    seen |= bit;
    seen_as[index] = key;
    if (value.is_null()) {
      seen &= ~bit;  // null counts as absent: a required field then reports missing
      continue;
    }

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
    if (!ok) return std::move(ok).error();
  }

  constexpr Field kRequired[] = {Field::id,           Field::block_number, Field::timestamp,
                                 Field::contract_address, Field::from_address,
                                 Field::to_address,   Field::value};
  for (Field f : kRequired) {
    if (!(seen & (1u << static_cast<unsigned>(f)))) {
      return make_error(errc::missing_field, std::string("field '") +
                                                 kCanonicalName[static_cast<std::size_t>(f)] +
                                                 "' is missing (or null)");
    }
  }
  return core::success();
}

}  // namespace tokenflow::codec
