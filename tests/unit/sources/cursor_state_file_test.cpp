#include "sources/cursor_state_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sources/errc.hpp"
#include "support/child_process.hpp"

namespace tokenflow::sources {
namespace {

class CursorStateFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("cursor-state"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/state.json"; }
  std::string dir_;
};

TEST_F(CursorStateFileTest, SavesAndLoadsTheCursorAtomically) {
  auto missing = load_cursor_state(path(), "http://x/v1/graphql", "t");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  CursorState state{"http://x/v1/graphql", "t", Cursor{19'234'567, "0xab\"_3"}, 42};
  ASSERT_TRUE(save_cursor_state(path(), state).ok());
  EXPECT_FALSE(std::filesystem::exists(path() + ".tmp"));
  auto loaded = load_cursor_state(path(), "http://x/v1/graphql", "t");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->cursor, state.cursor);
  EXPECT_EQ((*loaded)->published, 42u);
}

TEST_F(CursorStateFileTest, AnotherEndpointOrTableIsRefusedWithWhatToDo) {
  ASSERT_TRUE(save_cursor_state(path(), {"http://a/v1/graphql", "t", Cursor{1, "x"}, 0}).ok());
  auto other = load_cursor_state(path(), "http://b/v1/graphql", "t");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, make_error_code(errc::state_mismatch));
  EXPECT_NE(other.error().message.find("--reset-state"), std::string::npos);
  EXPECT_NE(other.error().message.find("--state-file"), std::string::npos);
  EXPECT_FALSE(load_cursor_state(path(), "http://a/v1/graphql", "u").ok());
}

TEST_F(CursorStateFileTest, CorruptFilesAreRefusedWithWhatToDo) {
  for (const char* text : {"", "{", "[]", R"({"version":2})",
                           R"({"version":1,"endpoint":"e","table":"t","block_number":"x"})"}) {
    std::ofstream(path(), std::ios::trunc) << text;
    auto loaded = load_cursor_state(path(), "e", "t");
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_EQ(loaded.error().code, make_error_code(errc::corrupt_state)) << text;
    EXPECT_NE(loaded.error().message.find("--reset-state"), std::string::npos);
  }
}

TEST_F(CursorStateFileTest, AnUnwritableDirectoryIsAnError) {
  auto saved = save_cursor_state(dir_ + "/no/such/dir/state.json", {"e", "t", Cursor{}, 0});
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, make_error_code(errc::io_error));
}

}  // namespace
}  // namespace tokenflow::sources
