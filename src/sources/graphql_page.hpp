// PageParser: one GraphQL answer (HTTP body) -> the records of a page, each either a
// validated transfer in the wire form of DESIGN.md (keyed by contract address) or, when it
// is not a valid transfer, its original JSON and the reason (for the dead-letter topic).
// An answer with a GraphQL `errors` array, or not shaped like the query, is an error of the
// whole page: errc::graphql_errors or errc::malformed_response, saying what was found. So is
// a page of more records than the page size asked for: an indexer that ignores `limit` is
// broken or hostile, and its page is not trusted (nor allocated for).
//
// Records are validated by codec::TransferDecoder after the field mapping renamed their
// keys, so a source refuses exactly what the consumers would refuse.
//
// Lifecycle: owns its simdjson parser and decoder and reuses them; one per thread.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/transfer_decoder.hpp"
#include "core/result.hpp"
#include "core/transfer.hpp"
#include "sources/field_mapping.hpp"
#include "sources/graphql_query.hpp"

namespace tokenflow::sources {

struct PageRecord {
  bool has_cursor = false;  // block and id could be read: the cursor can move past it
  Cursor cursor;
  bool valid = false;
  std::string payload;  // the transfer's JSON when valid, else the record as received
  std::string key;      // contract address (lower-case hex) when valid
  std::string reason;   // why it is not a valid transfer
};

struct Page {
  std::vector<PageRecord> records;
  std::size_t received = 0;  // records in the answer (== records.size())
};

class PageParser {
 public:
  // `page_size`: the records a page request asks for (QuerySpec::page_size), at most.
  PageParser(std::string table, FieldMapping mapping, std::string block_field,
             std::string id_field, std::uint32_t page_size);

  // Called once the answer is parsed as JSON and shaped like a page, before its records are
  // decoded: how many records it holds, and the cursor of the last record that has one
  // (nullptr if none does). It is the cursor parse() ends with unless parse() fails.
  using PageShape = std::function<void(std::size_t received, const Cursor* last)>;

  // Fills `out` from `body` (previous contents are discarded). `on_shape` lets a caller
  // request the next page while this one is decoded.
  core::Result<void> parse(std::string_view body, Page& out, const PageShape& on_shape = {});

  // The indexer's head block from a head_request() answer: Envio's `_meta` (the lowest
  // progressBlock of its chains) or The Graph's `_meta.block.number`.
  core::Result<std::uint64_t> parse_head(std::string_view body, Dialect dialect);

 private:
  core::Result<simdjson::dom::element> parse_data(std::string_view body);
  void read_record(simdjson::dom::element element, PageRecord& out);
  // The record's block and id, when both can be read.
  bool read_cursor(simdjson::dom::element row, Cursor& out) const;

  std::string table_;
  FieldMapping mapping_;
  std::string block_field_;
  std::string id_field_;
  std::uint32_t page_size_;
  simdjson::dom::parser parser_;
  codec::TransferDecoder decoder_;
  core::Transfer transfer_;
  std::string renamed_;
};

}  // namespace tokenflow::sources
