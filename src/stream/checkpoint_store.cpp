#include "stream/checkpoint_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "stream/errc.hpp"
#include "stream/fingerprint.hpp"
#include "stream/state_codec.hpp"

namespace tokenflow::stream {
namespace {

constexpr char kMagic[8] = {'T', 'F', 'S', 'T', 'A', 'T', 'E', '1'};

core::Error io_error(const std::string& what, const std::string& path) {
  return make_error(errc::checkpoint_io, what + " " + path + ": " + std::strerror(errno));
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

CheckpointStore::CheckpointStore(std::string directory) : directory_(std::move(directory)) {}

core::Result<void> CheckpointStore::open() {
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) {
    return make_error(errc::checkpoint_io, "cannot create the state directory " + directory_ +
                                               ": " + ec.message() + " (check --state-dir)");
  }
  return core::success();
}

std::string CheckpointStore::path_of(std::string_view topic, core::Partition partition) const {
  return directory_ + "/" + std::string(topic) + "." + std::to_string(partition.value) + ".state";
}

core::Result<void> CheckpointStore::write(std::string_view topic, core::Partition partition,
                                          std::string_view state) const {
  std::string content;
  StateWriter w(content);
  w.put(kMagic);
  w.put(static_cast<std::uint64_t>(state.size()));
  content.append(state);
  StateWriter t(content);
  t.put(fingerprint(state));
  if (auto replaced = replace_file(path_of(topic, partition), content); !replaced) return replaced;
  // The checkpoint now says where the partition resumes: a start left by replay is done.
  ::unlink(start_path_of(topic, partition).c_str());
  return core::success();
}

core::Result<void> CheckpointStore::replace_file(const std::string& path,
                                                 std::string_view content) const {
  static std::atomic<std::uint64_t> sequence{0};
  const std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." +
                           std::to_string(sequence.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", temp);
  const bool written = write_all(fd, content.data(), content.size()) && ::fsync(fd) == 0;
  auto failure = written ? core::Error{} : io_error("cannot write", temp);
  ::close(fd);
  if (!written) {
    ::unlink(temp.c_str());
    return failure;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    auto error = io_error("cannot rename a checkpoint over", path);
    ::unlink(temp.c_str());
    return error;
  }
  // The rename is durable once the directory is.
  const int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return core::success();
}

std::string CheckpointStore::start_path_of(std::string_view topic, core::Partition partition) const {
  return directory_ + "/" + std::string(topic) + "." + std::to_string(partition.value) + ".start";
}

core::Result<bool> CheckpointStore::replace_with_start(std::string_view topic,
                                                       core::Partition partition,
                                                       core::Offset start) const {
  const std::string path = path_of(topic, partition);
  bool had_checkpoint = false;
  if (::rename(path.c_str(), (path + ".before-replay").c_str()) == 0) {
    had_checkpoint = true;
  } else if (errno != ENOENT) {
    return io_error("cannot move aside", path);
  }
  if (auto written = replace_file(start_path_of(topic, partition),
                                  std::to_string(start.value) + "\n");
      !written) {
    return std::move(written).error();
  }
  return had_checkpoint;
}

core::Result<std::optional<core::Offset>> CheckpointStore::read_start(
    std::string_view topic, core::Partition partition) const {
  const std::string path = start_path_of(topic, partition);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<core::Offset>{};
    return io_error("cannot open", path);
  }
  char buf[32] = {};
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  std::int64_t offset = -1;
  const auto parsed = n > 0 ? std::from_chars(buf, buf + n, offset) : std::from_chars_result{};
  if (n <= 0 || parsed.ec != std::errc{} || offset < 0) {
    return make_error(errc::checkpoint_corrupt,
                      "start position " + path + " is not an offset; remove it to read the "
                                                 "partition from its beginning");
  }
  return std::optional<core::Offset>(core::Offset{offset});
}

core::Result<std::optional<std::string>> CheckpointStore::read(std::string_view topic,
                                                               core::Partition partition) const {
  const std::string path = path_of(topic, partition);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return io_error("cannot open", path);
  }
  std::string content;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto error = io_error("cannot read", path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  StateReader r(content);
  char magic[8] = {};
  std::uint64_t size = 0;
  std::uint64_t checksum = 0;
  const auto corrupt = [&](const char* why) {
    return make_error(errc::checkpoint_corrupt,
                      "checkpoint " + path + " is damaged (" + why +
                          "); move it away to rebuild the partition's state from the topic");
  };
  if (!r.get(magic) || std::memcmp(magic, kMagic, sizeof kMagic) != 0) return corrupt("header");
  if (!r.get(size) || size != content.size() - 16 - 8) return corrupt("size");
  const std::string_view state(content.data() + 16, size);
  std::memcpy(&checksum, content.data() + 16 + size, sizeof checksum);
  if (checksum != fingerprint(state)) return corrupt("checksum");
  return std::optional<std::string>(std::string(state));
}

}  // namespace tokenflow::stream
