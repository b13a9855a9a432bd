// The GraphQL text of one page request and of one head request, per dialect:
// - hasura: Hasura v2 and Envio HyperIndex (>= 2.28): `where` with `_or`/`_and`/`_gt`/
//   `_eq`/`_lte`, `order_by: [{block: asc}, {id: asc}]`, `limit`; head from Envio's
//   `_meta { chainId progressBlock }`.
// - thegraph: graph-node (>= 0.30, which added `or`/`and` filters): `first`, `orderBy`,
//   `orderDirection`, `where: {block_gt, id_gt}`; graph-node breaks ties in `orderBy` by id,
//   so a page is ordered by block then id. Head from `_meta { block { number } }`.
// A page resumes strictly after the cursor (block, id), so a block larger than a page is
// read across pages without a gap or a repeat.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace tokenflow::sources {

enum class Dialect { hasura, thegraph };

const char* dialect_name(Dialect d) noexcept;

// Resume strictly after (block, id); id "" reads block `block` from its first record (ids
// are never empty), so --start-block S is the cursor (S, "").
struct Cursor {
  std::uint64_t block = 0;
  std::string id;
  friend bool operator==(const Cursor&, const Cursor&) = default;
};

struct PageQuerySpec {
  Dialect dialect = Dialect::hasura;
  std::string table = "stablesTransfers";
  std::vector<std::string> fields;  // indexer names selected for each record
  std::string block_field = "blockNumber";
  std::string id_field = "id";
  std::uint32_t page_size = 1000;
};

// Errors name the offending table or field (only GraphQL names are accepted).
core::Result<void> validate(const PageQuerySpec& spec);

// The HTTP body ({"query": ...}) asking for the page after `cursor`, limited to blocks
// <= `max_block` when set (confirmations).
std::string page_request(const PageQuerySpec& spec, const Cursor& cursor,
                         std::optional<std::uint64_t> max_block);

// The HTTP body asking for the indexer's head block.
std::string head_request(Dialect dialect);

}  // namespace tokenflow::sources
