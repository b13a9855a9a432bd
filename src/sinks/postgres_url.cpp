#include "sinks/postgres_url.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstring>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {

std::string describe_postgres_url(std::string_view url) {
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (!url.starts_with(scheme)) continue;
    std::string out(scheme);
    std::string_view rest = url.substr(scheme.size());
    const std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
    const std::size_t at = rest.substr(0, authority_end).rfind('@');
    if (at != std::string_view::npos) {
      std::string_view userinfo = rest.substr(0, at);
      out += userinfo.substr(0, userinfo.find(':'));  // the user, not the password
      out += '@';
      rest.remove_prefix(at + 1);
    }
    const std::size_t query = rest.find('?');
    out += rest.substr(0, query);
    if (query != std::string_view::npos) {
      std::string_view params = rest.substr(query + 1);
      char separator = '?';
      while (!params.empty()) {
        const std::size_t amp = params.find('&');
        std::string_view param = params.substr(0, amp);
        if (!param.starts_with("password=")) {
          out += separator;
          out += param;
          separator = '&';
        }
        params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
      }
    }
    return out;
  }
  // key=value form: every setting but the password.
  const std::string copy(url);
  PQconninfoOption* options = PQconninfoParse(copy.c_str(), nullptr);
  if (options == nullptr) return "<unparsable connection string>";
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::strcmp(o->keyword, "password") == 0) continue;
    if (!out.empty()) out += ' ';
    out += o->keyword;
    out += '=';
    out += o->val;
  }
  PQconninfoFree(options);
  return out;
}

core::Result<void> check_postgres_url(const std::string& url) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed != nullptr) {
    PQconninfoFree(parsed);
    return core::success();
  }
  std::string why = parse_error != nullptr ? parse_error : "out of memory";
  PQfreemem(parse_error);
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return make_error(errc::rejected, "DATABASE_URL '" + describe_postgres_url(url) +
                                        "' is not a PostgreSQL connection string: " + why);
}

}  // namespace tokenflow::sinks
