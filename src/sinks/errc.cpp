#include "sinks/errc.hpp"

#include <string>

namespace tokenflow::sinks {
namespace {

class SinksCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tokenflow.sinks"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok:
        return "success";
      case errc::unavailable:
        return "database unavailable; the batch is kept and retried";
      case errc::rejected:
        return "database rejected the statement";
      case errc::rewind:
        return "database lost recently acknowledged batches; reload the stored positions and "
               "seek the consumer to them before writing again";
      case errc::aborted:
        return "batch rolled back because an earlier batch did not commit; it is read again";
    }
    return "unknown sinks error";
  }
};

}  // namespace

const std::error_category& sinks_category() noexcept {
  static const SinksCategory category;
  return category;
}

}  // namespace tokenflow::sinks
