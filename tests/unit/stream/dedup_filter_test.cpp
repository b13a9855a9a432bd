#include "stream/dedup_filter.hpp"

#include <gtest/gtest.h>

#include "stream/fingerprint.hpp"

namespace tokenflow::stream {
namespace {

using namespace std::chrono_literals;
constexpr std::int64_t kStart = 1'717'243'197'000;

TEST(DedupFilter, RemembersForTheTtlThenForgets) {
  DedupFilter filter(80min);  // slices of 10 minutes
  const core::UnixMillis t{kStart};
  EXPECT_FALSE(filter.check_and_remember(fingerprint("a"), t, t));
  EXPECT_TRUE(filter.check_and_remember(fingerprint("a"), t, t));
  EXPECT_TRUE(filter.contains(fingerprint("a"), core::UnixMillis{kStart + 80 * 60'000}));
  EXPECT_FALSE(filter.contains(fingerprint("a"), core::UnixMillis{kStart + 91 * 60'000}));
  EXPECT_FALSE(filter.contains(fingerprint("b"), t));
}

TEST(DedupFilter, IdsOlderThanTheTtlAreNotRemembered) {
  DedupFilter filter(80min);
  const core::UnixMillis clock{kStart};
  EXPECT_FALSE(filter.check_and_remember(fingerprint("old"), core::UnixMillis{kStart - 100 * 60'000}, clock));
  EXPECT_FALSE(filter.contains(fingerprint("old"), clock));
}

TEST(DedupFilter, StaysNearSixteenBytesPerIdAndShrinksAfterwards) {
  DedupFilter filter(24h);
  for (std::uint64_t i = 0; i < 1'000'000; ++i) {
    const core::UnixMillis t{kStart + static_cast<std::int64_t>(i)};
    ASSERT_FALSE(filter.check_and_remember(fingerprint(&i, sizeof i), t, t));
  }
  EXPECT_EQ(filter.size(), 1'000'000u);
  const double per_id = static_cast<double>(filter.bytes()) / static_cast<double>(filter.size());
  EXPECT_LE(per_id, 17.0);
  // A ttl and a slice (3 h) later every id is dead; the next event rebuilds the table small.
  const core::UnixMillis later{kStart + 28 * 3'600'000};
  EXPECT_FALSE(filter.check_and_remember(fingerprint("x"), later, later));
  EXPECT_EQ(filter.size(), 1u);
  EXPECT_LE(filter.bytes(), 1024u);
}

TEST(DedupFilter, SurvivesSaveAndLoad) {
  DedupFilter filter(1h);
  const core::UnixMillis t{kStart};
  for (int i = 0; i < 1000; ++i) (void)filter.check_and_remember(fingerprint(std::to_string(i)), t, t);
  std::string bytes;
  StateWriter w(bytes);
  filter.save(w);
  DedupFilter loaded(1h);
  StateReader r(bytes);
  ASSERT_TRUE(loaded.load(r));
  EXPECT_EQ(loaded.size(), 1000u);
  EXPECT_TRUE(loaded.contains(fingerprint("999"), t));
  EXPECT_FALSE(loaded.contains(fingerprint("1000"), t));
}

}  // namespace
}  // namespace tokenflow::stream
