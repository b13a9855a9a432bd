// CheckpointStore: one file per partition in the state directory, replaced atomically: the
// new content goes to a temporary file that is fsynced and renamed over the old one (and the
// directory fsynced), so a process killed at any moment leaves either the old checkpoint or
// the new one, never a mix. A header and a checksum make a damaged file an error rather than
// wrong figures.
//
// Several instances of one consumer group may share the directory: a partition's file is
// written only by the instance that owns the partition (on a timer and on revocation) and
// read by the next owner on assignment; that is the whole hand-over.
//
// Thread-safe (no shared mutable state besides the files).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/position.hpp"
#include "core/result.hpp"

namespace tokenflow::stream {

class CheckpointStore {
 public:
  explicit CheckpointStore(std::string directory);

  // Creates the directory if needed. Errors: errc::checkpoint_io naming it.
  core::Result<void> open();
  // Errors: errc::checkpoint_io (the write, fsync or rename failed; the old file is intact).
  core::Result<void> write(std::string_view topic, core::Partition partition,
                           std::string_view state) const;
  // nullopt when the partition has no checkpoint. Errors: errc::checkpoint_io,
  // errc::checkpoint_corrupt (wrong header, size or checksum), each naming the file.
  core::Result<std::optional<std::string>> read(std::string_view topic,
                                                core::Partition partition) const;
  std::string path_of(std::string_view topic, core::Partition partition) const;

  // `tokenflow replay`: moves the partition's checkpoint aside (<file>.before-replay) and
  // leaves a start position, where the next owner reads the partition from with an empty
  // state; the next checkpoint written replaces it. True if there was a checkpoint.
  core::Result<bool> replace_with_start(std::string_view topic, core::Partition partition,
                                        core::Offset start) const;
  // The start position replay left, if any (only meaningful without a checkpoint).
  // Errors: errc::checkpoint_io, errc::checkpoint_corrupt.
  core::Result<std::optional<core::Offset>> read_start(std::string_view topic,
                                                       core::Partition partition) const;
  std::string start_path_of(std::string_view topic, core::Partition partition) const;
  const std::string& directory() const { return directory_; }

 private:
  // Atomically: a temporary file, fsynced, renamed over `path`, the directory fsynced.
  core::Result<void> replace_file(const std::string& path, std::string_view content) const;

  std::string directory_;
};

}  // namespace tokenflow::stream
