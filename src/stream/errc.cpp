#include "stream/errc.hpp"

namespace tokenflow::stream {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tokenflow.stream"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok: return "success";
      case errc::checkpoint_io: return "a checkpoint cannot be read or written";
      case errc::checkpoint_corrupt: return "a checkpoint file is damaged";
      case errc::invalid_windows: return "the windows or the bucket step cannot be used";
    }
    return "unknown stream error";
  }
};

}  // namespace

const std::error_category& stream_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace tokenflow::stream
