#include "core/retry_policy.hpp"

#include <gtest/gtest.h>

namespace tokenflow::core {
namespace {

TEST(RetryPolicy, GrowsExponentiallyWithJitterUpToTheCap) {
  RetryPolicy policy{std::chrono::milliseconds(100), std::chrono::milliseconds(1000), 2.0, 0};
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 100; ++trial) {
    auto first = policy.delay(1, rng).count();
    EXPECT_GE(first, 50);
    EXPECT_LE(first, 100);
    auto third = policy.delay(3, rng).count();
    EXPECT_GE(third, 200);
    EXPECT_LE(third, 400);
    auto late = policy.delay(30, rng).count();
    EXPECT_GE(late, 500);
    EXPECT_LE(late, 1000);
  }
  EXPECT_FALSE(policy.gives_up_after(1000));
  policy.max_attempts = 3;
  EXPECT_FALSE(policy.gives_up_after(2));
  EXPECT_TRUE(policy.gives_up_after(3));
}

}  // namespace
}  // namespace tokenflow::core
