#include "codec/token_registry_file.hpp"

#include <fstream>
#include <sstream>

#include <simdjson.h>

#include "codec/json_field.hpp"
#include "core/errc.hpp"

namespace tokenflow::codec {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

core::Error registry_error(const std::string& origin, std::size_t index, const std::string& why) {
  return core::make_error(core::errc::invalid_registry,
                          origin + ": token #" + std::to_string(index + 1) + ": " + why);
}

// A decimal given as a string ("1000000.50") or a plain JSON integer (1000000).
core::Result<core::Decimal> read_decimal(element field, std::string_view key) {
  std::string text;
  if (field.type() == element_type::STRING) {
    text = std::string(field.get_string().value_unsafe());
  } else if (field.is_uint64()) {
    text = std::to_string(field.get_uint64().value_unsafe());
  } else {
    return core::make_error(core::errc::not_a_number,
                            "\"" + std::string(key) + "\" must be a decimal string like \"1000000\"");
  }
  auto value = core::Decimal::parse(text);
  if (!value.ok()) {
    return core::make_error(core::errc::not_a_number, std::string(key) + ": " + value.error().message);
  }
  return value;
}

}  // namespace

core::Result<std::uint64_t> parse_usd_micros(std::string_view text) {
  std::uint64_t whole = 0;
  std::uint64_t fraction = 0;
  std::size_t i = 0;
  int fraction_digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    whole = whole * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (whole > 1'000'000'000'000ULL) {
      return core::make_error(core::errc::out_of_range, "'" + std::string(text) + "' USD is too large");
    }
  }
  if (i == 0) {
    return core::make_error(core::errc::not_a_number,
                            "'" + std::string(text) + "' is not a USD amount like 1.00");
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (++fraction_digits > 6) {
        return core::make_error(core::errc::out_of_range,
                                "'" + std::string(text) + "' has more than 6 decimals");
      }
      fraction = fraction * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
  }
  if (i != text.size()) {
    return core::make_error(core::errc::not_a_number,
                            "'" + std::string(text) + "' is not a USD amount like 1.00");
  }
  for (int k = fraction_digits; k < 6; ++k) fraction *= 10;
  return whole * 1'000'000 + fraction;
}

core::Result<void> parse_token_registry(std::string_view json, const std::string& origin,
                                        core::TokenRegistry& registry) {
  if (json.empty()) {  // (and its data() may be null, which simdjson must not be given)
    return core::make_error(core::errc::invalid_registry,
                            origin + " is empty; write {\"tokens\": [...]}");
  }
  simdjson::dom::parser parser;
  element root;
  if (auto code = parser.parse(json.data(), json.size(), true).get(root); code) {
    return core::make_error(core::errc::invalid_registry,
                            origin + " is not valid JSON: " + simdjson::error_message(code));
  }
  simdjson::dom::array tokens;
  if (root.type() == element_type::OBJECT) {
    if (root["tokens"].get(tokens) != simdjson::SUCCESS) {
      return core::make_error(core::errc::invalid_registry,
                              origin + " must have a \"tokens\" array");
    }
  } else if (root.get(tokens) != simdjson::SUCCESS) {
    return core::make_error(core::errc::invalid_registry,
                            origin + " must be an array of tokens or {\"tokens\": [...]}");
  }
  std::size_t index = 0;
  for (element entry : tokens) {
    if (entry.type() != element_type::OBJECT) {
      return registry_error(origin, index, "is not an object");
    }
    core::TokenInfo info;
    std::string_view text;
    element field;
    if (entry["symbol"].get(field) || !read_string(field, "symbol", text) || text.empty()) {
      return registry_error(origin, index, "needs a \"symbol\" string");
    }
    info.symbol = std::string(text);
    if (entry["address"].get(field)) return registry_error(origin, index, "needs an \"address\"");
    if (auto ok = read_address(field, "address", info.contract); !ok) {
      return registry_error(origin, index, ok.error().message);
    }
    std::uint64_t number = 0;
    if (entry["decimals"].get(field)) return registry_error(origin, index, "needs \"decimals\"");
    if (auto ok = read_uint(field, "decimals", 77, number); !ok) {
      return registry_error(origin, index, ok.error().message);
    }
    info.decimals = static_cast<std::uint8_t>(number);
    if (!entry["chain_id"].get(field)) {
      if (auto ok = read_uint(field, "chain_id", UINT64_MAX, number); !ok) {
        return registry_error(origin, index, ok.error().message);
      }
      info.chain_id = number;
    }
    if (!entry["name"].get(field) && read_string(field, "name", text)) info.name = std::string(text);
    if (!entry["peg_usd"].get(field) && !field.is_null()) {
      std::string number_text;
      if (field.type() == element_type::STRING) {
        number_text = std::string(field.get_string().value_unsafe());
      } else if (field.is_uint64() || field.is_int64()) {
        number_text = simdjson::minify(field);
      } else {
        return registry_error(origin, index, "\"peg_usd\" must be a decimal string like \"1.00\"");
      }
      auto micros = parse_usd_micros(number_text);
      if (!micros.ok()) return registry_error(origin, index, "peg_usd: " + micros.error().message);
      info.peg_usd_micros = *micros;
    }
    for (auto [key, target] : {std::pair{"large_transfer_usd", &info.large_transfer_usd},
                               std::pair{"critical_transfer_usd", &info.critical_transfer_usd},
                               std::pair{"min_tokens", &info.min_tokens}}) {
      if (entry[key].get(field) || field.is_null()) continue;
      auto value = read_decimal(field, key);
      if (!value.ok()) return registry_error(origin, index, value.error().message);
      *target = *value;
    }
    registry.upsert(std::move(info));
    ++index;
  }
  return core::success();
}

core::Result<void> load_token_registry_file(const std::string& path, core::TokenRegistry& registry) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::make_error(core::errc::io_error,
                            "cannot read token registry file '" + path + "': check the path");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_token_registry(buffer.str(), path, registry);
}

}  // namespace tokenflow::codec
