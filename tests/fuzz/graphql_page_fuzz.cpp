// Fuzzer for the GraphQL page parser (an indexer's answer is outside input): any bytes must
// give a page or an error of the sources category with a non-empty reason; every record of
// a page is either a valid transfer that decodes back, or carries a reason; never a crash,
// a hang or a sanitizer report. The head parser gets the same bytes in both dialects.
#include "codec/transfer_decoder.hpp"
#include "fuzz_check.hpp"
#include "sources/errc.hpp"
#include "sources/graphql_page.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tokenflow;
  // A page size above any input's record count, so every record is decoded.
  static sources::PageParser parser("stablesTransfers", {}, "blockNumber", "id", UINT32_MAX);
  static codec::TransferDecoder decoder;
  static sources::Page page;
  const std::string_view input = fuzz::as_text(data, size);
  auto parsed = parser.parse(input, page);
  if (!parsed.ok()) {
    fuzz::check_error(parsed.error(), sources::sources_category());
  } else {
    core::Transfer transfer;
    for (const auto& record : page.records) {
      if (record.valid) {
        fuzz::require(decoder.decode(record.payload, transfer).ok() && record.has_cursor);
      } else {
        fuzz::require(!record.reason.empty());
      }
    }
  }
  for (auto dialect : {sources::Dialect::hasura, sources::Dialect::thegraph}) {
    auto head = parser.parse_head(input, dialect);
    if (!head.ok()) fuzz::check_error(head.error(), sources::sources_category());
  }
  return 0;
}
