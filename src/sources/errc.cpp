#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

class SourcesCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tokenflow.sources"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok:
        return "success";
      case errc::connection_failed:
        return "the indexer cannot be reached; check --endpoint and that the indexer runs";
      case errc::timed_out:
        return "the indexer did not answer in time";
      case errc::http_status:
        return "the indexer answered with an HTTP error status";
      case errc::rate_limited:
        return "the indexer asks us to slow down (HTTP 429)";
      case errc::graphql_errors:
        return "the indexer answered with GraphQL errors";
      case errc::malformed_response:
        return "the server's answer is not the expected JSON";
      case errc::invalid_record:
        return "a record of the indexer is not a valid transfer";
      case errc::corrupt_state:
        return "the state file is corrupt; fix or delete it, or pass --reset-state";
      case errc::state_mismatch:
        return "the state file belongs to another endpoint or table; pass another "
               "--state-file or --reset-state";
      case errc::io_error:
        return "the state file cannot be written";
      case errc::missing_asset:
        return "the price API's answer has no price for an asset asked for";
      case errc::null_price:
        return "the price API gave no price (null) for an asset";
      case errc::invalid_price:
        return "the price API's price is not a non-negative decimal number";
    }
    return "unknown sources error";
  }
};

}  // namespace

const std::error_category& sources_category() noexcept {
  static const SourcesCategory category;
  return category;
}

const char* errc_name(errc e) noexcept {
  switch (e) {
    case errc::ok:
      return "ok";
    case errc::connection_failed:
      return "connection_failed";
    case errc::timed_out:
      return "timed_out";
    case errc::http_status:
      return "http_status";
    case errc::rate_limited:
      return "rate_limited";
    case errc::graphql_errors:
      return "graphql_errors";
    case errc::malformed_response:
      return "malformed_response";
    case errc::invalid_record:
      return "invalid_record";
    case errc::corrupt_state:
      return "corrupt_state";
    case errc::state_mismatch:
      return "state_mismatch";
    case errc::io_error:
      return "io_error";
    case errc::missing_asset:
      return "missing_asset";
    case errc::null_price:
      return "null_price";
    case errc::invalid_price:
      return "invalid_price";
  }
  return "unknown";
}

}  // namespace tokenflow::sources
