// The fault tests' topic audit must accept only the embedded cluster's retried batches.
#include "support/retried_batches.hpp"

#include <gtest/gtest.h>

namespace tokenflow::testing {
namespace {

std::multiset<std::string> published_abcdef() { return {"a", "b", "c", "d", "e", "f"}; }

TEST(AuditTopic, ExactlyThePublishedMessagesAreClean) {
  const auto audit = audit_topic({{0, 0, "a"}, {0, 1, "b"}, {1, 0, "c"}, {1, 1, "d"},
                                  {2, 0, "e"}, {2, 1, "f"}},
                                 published_abcdef());
  EXPECT_EQ(audit.difference, "");
  EXPECT_EQ(audit.retried_batches, 0u);
}

TEST(AuditTopic, ABatchRepeatedRightAfterItselfIsSetAsideAndCounted) {
  // Partition 0 holds a, b, c, then the retry of the batch [b, c], then d; out of order input.
  const auto audit = audit_topic({{0, 5, "d"}, {0, 0, "a"}, {0, 1, "b"}, {0, 2, "c"},
                                  {0, 3, "b"}, {0, 4, "c"}, {1, 0, "e"}, {1, 1, "f"}},
                                 published_abcdef());
  EXPECT_EQ(audit.difference, "");
  EXPECT_EQ(audit.retried_batches, 1u);
  EXPECT_EQ(audit.retried_messages, 2u);
}

TEST(AuditTopic, ADuplicateThatIsNotARetriedBatchIsAFailure) {
  // "a" again after something else was appended: not the shape of a retried batch.
  const auto audit = audit_topic({{0, 0, "a"}, {0, 1, "b"}, {0, 2, "c"}, {0, 3, "a"},
                                  {0, 4, "d"}, {1, 0, "e"}, {1, 1, "f"}},
                                 published_abcdef());
  EXPECT_NE(audit.difference.find("partition 0 offset 3 repeats offset 0"), std::string::npos)
      << audit.difference;
}

TEST(AuditTopic, ADuplicateOnAnotherPartitionIsAFailure) {
  const auto audit = audit_topic({{0, 0, "a"}, {0, 1, "b"}, {0, 2, "c"}, {1, 0, "d"},
                                  {1, 1, "e"}, {1, 2, "f"}, {2, 0, "a"}},
                                 published_abcdef());
  EXPECT_NE(audit.difference.find("0 missing, 1 more than published"), std::string::npos) << audit.difference;
}

TEST(AuditTopic, AMissingOrUnknownMessageIsAFailure) {
  const auto audit = audit_topic({{0, 0, "a"}, {0, 1, "b"}, {0, 2, "c"}, {1, 0, "d"},
                                  {1, 1, "e"}, {1, 2, "x"}},
                                 published_abcdef());
  EXPECT_NE(audit.difference.find("1 missing, 1 more than published"), std::string::npos)
      << audit.difference;
}

}  // namespace
}  // namespace tokenflow::testing
