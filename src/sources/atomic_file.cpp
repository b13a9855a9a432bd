#include "sources/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sources/errc.hpp"

namespace tokenflow::sources {
namespace {

core::Error atomic_write_failure(const std::string& what, const std::string& path) {
  return make_error(errc::io_error, what + " '" + path + "': " + std::strerror(errno) +
                                        "; check the directory exists and is writable");
}

std::string directory_of_file(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

core::Result<void> write_file_atomically(const std::string& path, std::string_view contents) {
  const std::string temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return atomic_write_failure("cannot create", temp);
  std::size_t written = 0;
  while (written < contents.size()) {
    auto n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto error = atomic_write_failure("cannot write", temp);
      ::close(fd);
      return error;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto error = atomic_write_failure("cannot fsync", temp);
    ::close(fd);
    return error;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) return atomic_write_failure("cannot rename onto", path);
  const std::string dir = directory_of_file(path);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return atomic_write_failure("cannot open directory", dir);
  int synced = ::fsync(dir_fd);
  ::close(dir_fd);
  if (synced != 0) return atomic_write_failure("cannot fsync directory", dir);
  return core::success();
}

}  // namespace tokenflow::sources
