// Error codes of the stream layer (checkpoints), with one sentence per code.
#pragma once

#include <string>
#include <system_error>

#include "core/result.hpp"

namespace tokenflow::stream {

enum class errc {
  ok = 0,
  checkpoint_io,       // a checkpoint file or the state directory cannot be read or written
  checkpoint_corrupt,  // a checkpoint file fails its checksum or format check
  invalid_windows,     // a WINDOWS / BUCKET_STEP combination that cannot be used
};

const std::error_category& stream_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), stream_category()};
}

inline core::Error make_error(errc e, std::string message) {
  return core::Error{make_error_code(e), std::move(message)};
}

}  // namespace tokenflow::stream

template <>
struct std::is_error_code_enum<tokenflow::stream::errc> : std::true_type {};
