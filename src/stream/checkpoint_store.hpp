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
  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
};

}  // namespace tokenflow::stream
