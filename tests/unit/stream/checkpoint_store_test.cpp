#include "stream/checkpoint_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "stream/errc.hpp"
#include "support/child_process.hpp"

namespace tokenflow::stream {
namespace {

TEST(CheckpointStore, WritesReadsAndReplacesAtomically) {
  const std::string dir = testing::make_temp_dir("tf-ckpt");
  CheckpointStore store(dir + "/state");
  ASSERT_TRUE(store.open().ok());
  auto missing = store.read("defi.swaps", core::Partition{3});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(store.write("defi.swaps", core::Partition{3}, "first").ok());
  ASSERT_TRUE(store.write("defi.swaps", core::Partition{3}, std::string(100'000, 'x')).ok());
  auto read = store.read("defi.swaps", core::Partition{3});
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(**read, std::string(100'000, 'x'));
  // No temporary file is left behind.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir + "/state")) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
  std::filesystem::remove_all(dir);
}

TEST(CheckpointStore, ADamagedFileIsAnErrorNamingIt) {
  const std::string dir = testing::make_temp_dir("tf-ckpt");
  CheckpointStore store(dir);
  ASSERT_TRUE(store.open().ok());
  ASSERT_TRUE(store.write("t", core::Partition{0}, "some state bytes").ok());
  const std::string path = store.path_of("t", core::Partition{0});
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('!');
  }
  auto read = store.read("t", core::Partition{0});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, errc::checkpoint_corrupt);
  EXPECT_NE(read.error().message.find(path), std::string::npos);
  std::filesystem::resize_file(path, 10);
  EXPECT_FALSE(store.read("t", core::Partition{0}).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tokenflow::stream
