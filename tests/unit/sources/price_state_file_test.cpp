#include "sources/price_state_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sources/errc.hpp"
#include "support/child_process.hpp"

namespace tokenflow::sources {
namespace {

class PriceStateFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("price-state"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/prices.json"; }
  std::string dir_;
};

TEST_F(PriceStateFileTest, SavesAndLoadsTheLastTimestampsAtomically) {
  auto missing = load_price_state(path());
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
  PublishedTimestamps state;
  state["coingecko"]["usd-coin"] = 1'717'000'000'000;
  state["coingecko"]["we\"ird"] = 1;
  state["binance"]["ethereum"] = 1'717'000'123'456;
  ASSERT_TRUE(save_price_state(path(), state).ok());
  EXPECT_FALSE(std::filesystem::exists(path() + ".tmp"));
  auto loaded = load_price_state(path());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, state);
}

TEST_F(PriceStateFileTest, ACorruptFileIsRefusedWithWhatToDo) {
  for (const char* text : {"not json", R"({"version":2,"last_published":{}})",
                           R"({"version":1})", R"({"version":1,"last_published":{"x":{"a":"b"}}})"}) {
    std::ofstream(path()) << text;
    auto loaded = load_price_state(path());
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_EQ(loaded.error().code, make_error_code(errc::corrupt_state));
    EXPECT_NE(loaded.error().message.find("delete it"), std::string::npos);
  }
}

TEST_F(PriceStateFileTest, AnUnwritableDirectoryIsAnIoError) {
  auto saved = save_price_state(dir_ + "/no/such/dir/prices.json", {});
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, make_error_code(errc::io_error));
}

}  // namespace
}  // namespace tokenflow::sources
