// Writing a small state file so that a crash leaves either the old contents or the new ones,
// never a mix: a temporary file beside it, fsync, rename over it, fsync of the directory.
// Shared by the GraphQL cursor and the price poller's last timestamps.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::sources {

// Errors: errc::io_error naming the path, the step and the system's reason.
core::Result<void> write_file_atomically(const std::string& path, std::string_view contents);

}  // namespace tokenflow::sources
