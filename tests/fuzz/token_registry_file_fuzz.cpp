// Fuzzer for the token registry file's parser (a file an operator writes): any text must
// fill the registry or give an error of the core category with a non-empty reason; never a
// crash, a hang or a sanitizer report. Every token of a parsed registry is found again by
// its chain and contract.
#include "codec/token_registry_file.hpp"
#include "core/errc.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tokenflow;
  core::TokenRegistry registry;
  auto parsed = codec::parse_token_registry(fuzz::as_text(data, size), "fuzz.json", registry);
  if (!parsed.ok()) {
    fuzz::check_error(parsed.error(), core::core_category());
    return 0;
  }
  for (const auto& token : registry.tokens()) {
    fuzz::require(!token.symbol.empty() && token.decimals <= 77 &&
                  registry.find(token.contract, token.chain_id) == &token);
  }
  return 0;
}
