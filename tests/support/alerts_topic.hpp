// What `tokenflow alerts` published, read back from system.alerts: each alert's fields as a
// line of text, by alert id, so that a test compares them all with what its input must fire.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/transfer.hpp"
#include "support/pipeline_harness.hpp"

namespace tokenflow::testing {

inline constexpr const char* kAlertsTopic = "system.alerts";

// alert_id -> alert_text() of every alert in `records`. Fails the test (ADD_FAILURE) for a
// record that is not an alert, one not keyed by its token, or an alert id seen twice.
std::map<std::string, std::string> alerts_on(const std::vector<TopicRecord>& records);

// The fields an alert about `transfer` by `rule` carries, as alerts_on() shows them:
// rule, event, token, value and both addresses (the figures derived from the registry, such
// as amount and usd, are left to the unit tests of the rules).
std::string alert_text(const std::string& rule, const core::Transfer& transfer);

}  // namespace tokenflow::testing
