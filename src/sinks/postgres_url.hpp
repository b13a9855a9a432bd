// PostgreSQL connection strings (DATABASE_URL): checking one before connecting, and showing
// one in log lines and errors without its password.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace tokenflow::sinks {

// A libpq URL (postgresql://...) or key=value string, with the password left out: the
// user:password pair loses its password, a `password=` parameter is dropped.
std::string describe_postgres_url(std::string_view url);

// Whether libpq can parse it. Errors: errc::rejected with libpq's reason (password hidden).
core::Result<void> check_postgres_url(const std::string& url);

}  // namespace tokenflow::sinks
