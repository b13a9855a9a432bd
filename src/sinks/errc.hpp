// Error codes of the sinks, with one sentence per code.
#pragma once

#include <system_error>

#include "core/result.hpp"

namespace tokenflow::sinks {

enum class errc {
  ok = 0,
  unavailable,  // the database cannot be reached or went away: keep the batch, retry
  rejected,     // the database refused the statement (permissions, schema): stop and say why
  rewind,       // the database lost batches it had acknowledged (asynchronous commit and a
                // server crash): reload positions (load_positions) and seek the consumer there
  aborted,      // the commit gate refused the batch (an earlier batch failed): nothing stored
};

const std::error_category& sinks_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), sinks_category()};
}

inline core::Error make_error(errc e, std::string message) {
  return core::Error{make_error_code(e), std::move(message)};
}

}  // namespace tokenflow::sinks

template <>
struct std::is_error_code_enum<tokenflow::sinks::errc> : std::true_type {};
