#include "core/errc.hpp"

namespace tokenflow::core {
namespace {

class CoreCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tokenflow.core"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok: return "success";
      case errc::not_a_number: return "not an unsigned decimal integer";
      case errc::out_of_range: return "number out of range";
      case errc::invalid_address: return "not an address (0x followed by 40 hex digits)";
      case errc::invalid_timestamp: return "not an ISO-8601 UTC time or unix seconds";
      case errc::invalid_registry: return "token registry file cannot be used";
      case errc::io_error: return "file cannot be read or written";
    }
    return "unknown core error";
  }
};

}  // namespace

const std::error_category& core_category() noexcept {
  static const CoreCategory category;
  return category;
}

}  // namespace tokenflow::core
