#include "stream/window_config.hpp"

#include <gtest/gtest.h>

namespace tokenflow::stream {
namespace {

TEST(WindowConfig, ParsesTheDefaults) {
  auto config = WindowConfig::parse("24h,5m,1h", "5s");
  ASSERT_TRUE(config.ok()) << config.error().message;
  ASSERT_EQ(config->windows().size(), 3u);
  EXPECT_EQ(config->windows()[0].name, "5m");
  EXPECT_EQ(config->windows()[0].buckets, 60);  // DESIGN.md: a 5m window is 60 buckets
  EXPECT_EQ(config->largest().name, "24h");
  EXPECT_NE(config->find("60m"), nullptr);
  EXPECT_EQ(config->find("2h"), nullptr);
  EXPECT_EQ(config->bucket_of(core::UnixMillis{-1}), -1);
  EXPECT_EQ(config->bucket_of(core::UnixMillis{4999}), 0);
}

TEST(WindowConfig, RefusesWhatCannotWork) {
  for (auto [windows, step] : {std::pair{"5m,7s", "5s"}, std::pair{"", "5s"},
                               std::pair{"5m,5m", "5s"}, std::pair{"5m", "500ms"},
                               std::pair{"5m", "x"}, std::pair{"5q", "5s"}}) {
    EXPECT_FALSE(WindowConfig::parse(windows, step).ok()) << windows << " / " << step;
  }
}

}  // namespace
}  // namespace tokenflow::stream
