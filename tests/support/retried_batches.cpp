#include "support/retried_batches.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <span>
#include <sstream>
#include <string_view>
#include <unordered_map>

namespace tokenflow::testing {

namespace {

// Keeps one partition's records (sorted by offset) but the repeats, which it counts; stops,
// describing it, at a duplicate that does not repeat the run right before it.
void drop_repeats(std::span<const OnTopic> records, std::vector<std::string_view>& kept,
                  TopicAudit& audit, std::ostringstream& problems) {
  std::unordered_map<std::string_view, std::size_t> first_seen;  // payload -> index
  std::size_t k = 0;
  while (k < records.size()) {
    const auto seen = first_seen.find(records[k].payload);
    if (seen == first_seen.end()) {
      first_seen.emplace(records[k].payload, k);
      kept.push_back(records[k].payload);
      ++k;
      continue;
    }
    // A retried batch [i, k) appears again as [k, 2k - i).
    const std::size_t i = seen->second;
    const std::size_t n = k - i;
    bool repeats = k + n <= records.size();
    for (std::size_t j = 0; repeats && j < n; ++j) {
      repeats = records[k + j].payload == records[i + j].payload;
    }
    if (!repeats) {
      problems << "partition " << records[k].partition << " offset " << records[k].offset
               << " repeats offset " << records[i].offset
               << " but not as a whole batch retried right after itself; ";
      return;
    }
    ++audit.retried_batches;
    audit.retried_messages += n;
    k += n;
  }
}

}  // namespace

TopicAudit audit_topic(std::vector<OnTopic> records, const std::multiset<std::string>& published) {
  std::sort(records.begin(), records.end(), [](const OnTopic& a, const OnTopic& b) {
    return a.partition != b.partition ? a.partition < b.partition : a.offset < b.offset;
  });
  TopicAudit audit;
  std::ostringstream problems;
  std::vector<std::string_view> kept;  // views into `records`
  kept.reserve(records.size());
  for (auto begin = records.begin(); begin != records.end();) {
    const auto end = std::find_if(begin, records.end(), [&](const OnTopic& r) {
      return r.partition != begin->partition;
    });
    drop_repeats(std::span<const OnTopic>(begin, end), kept, audit, problems);
    begin = end;
  }
  std::map<std::string_view, std::int64_t> surplus;  // copies on the topic minus published
  for (const auto& payload : kept) ++surplus[payload];
  for (const auto& payload : published) --surplus[payload];
  std::int64_t missing = 0;
  std::int64_t extra = 0;
  for (const auto& [payload, count] : surplus) (count < 0 ? missing : extra) += std::abs(count);
  if (missing != 0 || extra != 0) {
    problems << kept.size() << " messages once retried batches are set aside, "
             << published.size() << " published: " << missing << " missing, " << extra
             << " more than published";
  }
  audit.difference = problems.str();
  return audit;
}

}  // namespace tokenflow::testing
