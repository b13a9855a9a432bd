#include "sources/graphql_query.hpp"

#include "codec/json_writer.hpp"
#include "sources/field_mapping.hpp"

namespace tokenflow::sources {
namespace {

using codec::append_json_string;
using codec::append_uint;

// The Graph's BigInt filters take strings; Hasura's Int and numeric take integer literals.
void append_block(std::string& q, Dialect dialect, std::uint64_t block) {
  if (dialect == Dialect::thegraph) q.push_back('"');
  append_uint(q, block);
  if (dialect == Dialect::thegraph) q.push_back('"');
}

void hasura_where(std::string& q, const PageQuerySpec& s, const Cursor& c,
                  std::optional<std::uint64_t> max_block) {
  const auto& b = s.block_field;
  std::string after = "{_or: [{" + b + ": {_gt: ";
  append_uint(after, c.block);
  after += "}}, {" + b + ": {_eq: ";
  append_uint(after, c.block);
  after += "}, " + s.id_field + ": {_gt: ";
  append_json_string(after, c.id);
  after += "}}]}";
  if (max_block) {
    q += "{_and: [{" + b + ": {_lte: ";
    append_uint(q, *max_block);
    q += "}}, " + after + "]}";
  } else {
    q += after;
  }
}

void thegraph_where(std::string& q, const PageQuerySpec& s, const Cursor& c,
                    std::optional<std::uint64_t> max_block) {
  const auto& b = s.block_field;
  std::string after = "{or: [{" + b + "_gt: ";
  append_block(after, s.dialect, c.block);
  after += "}, {" + b + ": ";
  append_block(after, s.dialect, c.block);
  after += ", " + s.id_field + "_gt: ";
  append_json_string(after, c.id);
  after += "}]}";
  if (max_block) {
    q += "{and: [{" + b + "_lte: ";
    append_block(q, s.dialect, *max_block);
    q += "}, " + after + "]}";
  } else {
    q += after;
  }
}

std::string as_request_body(const std::string& query) {
  std::string body = "{\"query\":";
  append_json_string(body, query);
  body += '}';
  return body;
}

}  // namespace

const char* dialect_name(Dialect d) noexcept {
  return d == Dialect::hasura ? "hasura" : "thegraph";
}

core::Result<void> validate(const PageQuerySpec& spec) {
  auto bad = [](const std::string& what, const std::string& name) {
    return core::Error{std::make_error_code(std::errc::invalid_argument),
                       what + " '" + name + "' is not a GraphQL name ([_A-Za-z][_0-9A-Za-z]*)"};
  };
  if (!is_graphql_name(spec.table)) return bad("--graphql-table", spec.table);
  for (const auto& f : spec.fields) {
    if (!is_graphql_name(f)) return bad("--fields entry", f);
  }
  if (!is_graphql_name(spec.block_field)) return bad("block field", spec.block_field);
  if (!is_graphql_name(spec.id_field)) return bad("id field", spec.id_field);
  if (spec.page_size == 0) {
    return core::Error{std::make_error_code(std::errc::invalid_argument),
                       "--page-size must be at least 1"};
  }
  return core::success();
}

std::string page_request(const PageQuerySpec& spec, const Cursor& cursor,
                         std::optional<std::uint64_t> max_block) {
  std::string q = "query TokenflowPage { " + spec.table + "(";
  if (spec.dialect == Dialect::hasura) {
    q += "where: ";
    hasura_where(q, spec, cursor, max_block);
    q += ", order_by: [{" + spec.block_field + ": asc}, {" + spec.id_field + ": asc}], limit: ";
    append_uint(q, spec.page_size);
  } else {
    q += "first: ";
    append_uint(q, spec.page_size);
    q += ", orderBy: " + spec.block_field + ", orderDirection: asc, where: ";
    thegraph_where(q, spec, cursor, max_block);
  }
  q += ") {";
  for (const auto& f : spec.fields) q += " " + f;
  q += " } }";
  return as_request_body(q);
}

std::string head_request(Dialect dialect) {
  return as_request_body(dialect == Dialect::hasura
                             ? "query TokenflowHead { _meta { chainId progressBlock } }"
                             : "query TokenflowHead { _meta { block { number } } }");
}

}  // namespace tokenflow::sources
