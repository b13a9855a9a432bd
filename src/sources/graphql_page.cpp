#include "sources/graphql_page.hpp"

#include <algorithm>

#include "codec/json_field.hpp"
#include "codec/json_writer.hpp"
#include "codec/transfer_encoder.hpp"
#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

std::string excerpt(std::string_view body) {
  constexpr std::size_t kMax = 200;
  std::string out(body.substr(0, kMax));
  if (body.size() > kMax) out += "...";
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

}  // namespace

PageParser::PageParser(std::string table, FieldMapping mapping, std::string block_field,
                       std::string id_field, std::uint32_t page_size)
    : table_(std::move(table)),
      mapping_(std::move(mapping)),
      block_field_(std::move(block_field)),
      id_field_(std::move(id_field)),
      page_size_(page_size) {}

core::Result<element> PageParser::parse_data(std::string_view body) {
  if (body.empty()) return make_error(errc::malformed_response, "the answer is empty (0 bytes)");
  element root;
  if (auto code = parser_.parse(body.data(), body.size(), true).get(root); code) {
    return make_error(errc::malformed_response, std::string("the answer is not JSON (") +
                                                    simdjson::error_message(code) +
                                                    "): " + excerpt(body));
  }
  if (root.type() != element_type::OBJECT) {
    return make_error(errc::malformed_response,
                      "the answer is not a JSON object: " + excerpt(body));
  }
  element errors;
  if (root["errors"].get(errors) == simdjson::SUCCESS && !errors.is_null()) {
    std::string messages;
    simdjson::dom::array list;
    if (errors.get_array().get(list) == simdjson::SUCCESS) {
      std::size_t n = 0;
      for (element e : list) {
        if (++n > 3) break;
        std::string_view text;
        if (e["message"].get(text) != simdjson::SUCCESS) text = "(no message)";
        messages += (messages.empty() ? "" : "; ") + std::string(text);
      }
    }
    if (messages.empty()) messages = excerpt(simdjson::minify(errors));
    return make_error(errc::graphql_errors, "the indexer answered with errors: " + messages);
  }
  element data;
  if (root["data"].get(data) != simdjson::SUCCESS || data.type() != element_type::OBJECT) {
    return make_error(errc::malformed_response,
                      "the answer has no `data` object: " + excerpt(body));
  }
  return data;
}

core::Result<void> PageParser::parse(std::string_view body, Page& out,
                                     const PageShape& on_shape) {
  out.records.clear();
  out.received = 0;
  auto data = parse_data(body);
  if (!data.ok()) return std::move(data).error();
  element rows;
  if ((*data)[table_].get(rows) != simdjson::SUCCESS || rows.type() != element_type::ARRAY) {
    return make_error(errc::malformed_response,
                      "the answer's `data." + table_ + "` is not an array: " + excerpt(body));
  }
  simdjson::dom::array array;
  if (rows.get_array().get(array) != simdjson::SUCCESS) {
    return make_error(errc::malformed_response,
                      "the answer's `data." + table_ + "` is not an array");
  }
  // Counted, not array.size(): simdjson's size() saturates at 0xFFFFFF, and a count too
  // low would size the records below the rows written into them. Counting walks the tape
  // (each row is skipped in one step), a fraction of the time decoding takes.
  std::size_t received = 0;
  for ([[maybe_unused]] element row : array) ++received;
  if (received > page_size_) {
    return make_error(errc::malformed_response,
                      "the answer's `data." + table_ + "` holds " + std::to_string(received) +
                          " records, more than the " + std::to_string(page_size_) +
                          " the page asked for: the indexer does not honour the page size");
  }
  if (on_shape) {
    // Reading only block and id costs a fraction of decoding the records.
    Cursor last;
    bool found = false;
    for (element row : array) found = read_cursor(row, last) || found;
    on_shape(received, found ? &last : nullptr);
  }
  out.records.resize(received);
  std::size_t i = 0;
  std::uint64_t last_block = 0;
  for (element row : array) {
    PageRecord& record = out.records.at(i++);  // received rows, as counted above
    read_record(row, record);
    if (record.has_cursor) {
      if (record.cursor.block < last_block) {
        return make_error(errc::malformed_response,
                          "the indexer's page is not ordered by block: block " +
                              std::to_string(record.cursor.block) + " after block " +
                              std::to_string(last_block));
      }
      last_block = record.cursor.block;
    }
  }
  out.received = out.records.size();
  return core::success();
}

bool PageParser::read_cursor(element row, Cursor& out) const {
  element block;
  element id;
  std::string_view id_text;
  std::uint64_t number = 0;
  if (row.type() == element_type::OBJECT && row[block_field_].get(block) == simdjson::SUCCESS &&
      codec::read_uint(block, block_field_, UINT64_MAX, number).ok() &&
      row[id_field_].get(id) == simdjson::SUCCESS &&
      codec::read_string(id, id_field_, id_text).ok() && !id_text.empty()) {
    out.block = number;
    out.id.assign(id_text);
    return true;
  }
  return false;
}

void PageParser::read_record(element row, PageRecord& out) {
  out.has_cursor = false;
  out.valid = false;
  out.key.clear();
  out.reason.clear();
  out.payload = simdjson::minify(row);
  if (row.type() != element_type::OBJECT) {
    out.reason = std::string("the record is a JSON ") + codec::json_type_name(row.type()) +
                 ", not an object";
    return;
  }
  out.has_cursor = read_cursor(row, out.cursor);

  std::string_view input = out.payload;
  simdjson::dom::object object;
  if (!mapping_.empty() && row.get_object().get(object) == simdjson::SUCCESS) {
    renamed_.assign("{");
    for (auto [key, value] : object) {
      if (renamed_.size() > 1) renamed_.push_back(',');
      codec::append_json_string(renamed_, mapping_.to_transfer(key));
      renamed_.push_back(':');
      renamed_ += simdjson::minify(value);
    }
    renamed_.push_back('}');
    input = renamed_;
  }
  auto decoded = decoder_.decode(input, transfer_);
  if (!decoded.ok()) {
    out.reason = decoded.error().message;
    return;
  }
  if (!out.has_cursor) {
    out.reason =
        "fields '" + block_field_ + "' and '" + id_field_ + "' do not give the record's position";
    return;
  }
  out.valid = true;
  codec::encode_transfer(transfer_, out.payload);
  char key[core::Address::kTextSize];
  transfer_.contract_address.write_hex(key);
  out.key.assign(key, sizeof key);
}

core::Result<std::uint64_t> PageParser::parse_head(std::string_view body, Dialect dialect) {
  auto data = parse_data(body);
  if (!data.ok()) return std::move(data).error();
  element meta;
  if ((*data)["_meta"].get(meta) != simdjson::SUCCESS) {
    return make_error(errc::malformed_response, "the answer has no `data._meta`: " + excerpt(body));
  }
  std::uint64_t head = 0;
  if (dialect == Dialect::thegraph) {
    element number;
    if (meta.at_pointer("/block/number").get(number) != simdjson::SUCCESS ||
        !codec::read_uint(number, "_meta.block.number", UINT64_MAX, head).ok()) {
      return make_error(errc::malformed_response,
                        "`data._meta.block.number` is not a block number: " + excerpt(body));
    }
    return head;
  }
  simdjson::dom::array chains;
  if (meta.get_array().get(chains) != simdjson::SUCCESS || chains.begin() == chains.end()) {
    return make_error(errc::malformed_response,
                      "`data._meta` is not a list of chains: " + excerpt(body));
  }
  bool first = true;
  for (element chain : chains) {
    element progress;
    std::uint64_t block = 0;
    if (chain["progressBlock"].get(progress) != simdjson::SUCCESS ||
        !codec::read_uint(progress, "progressBlock", UINT64_MAX, block).ok()) {
      return make_error(errc::malformed_response,
                        "a chain of `data._meta` has no progressBlock: " + excerpt(body));
    }
    head = first ? block : std::min(head, block);
    first = false;
  }
  return head;
}

}  // namespace tokenflow::sources
