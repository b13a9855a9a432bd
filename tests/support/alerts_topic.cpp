#include "support/alerts_topic.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace tokenflow::testing {
namespace {

std::string alert_text(std::string_view rule, std::string_view event, std::string_view token,
                       std::string_view value, std::string_view from, std::string_view to) {
  std::string out;
  for (const auto& [name, text] :
       {std::pair{"rule ", rule}, std::pair{" event ", event}, std::pair{" token ", token},
        std::pair{" value ", value}, std::pair{" from ", from}, std::pair{" to ", to}}) {
    out.append(name).append(text);
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> alerts_on(const std::vector<TopicRecord>& records) {
  std::map<std::string, std::string> alerts;
  simdjson::dom::parser parser;
  for (const auto& record : records) {
    simdjson::dom::element doc;
    if (parser.parse(record.payload).get(doc) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not JSON on " << kAlertsTopic << ": " << record.payload;
      continue;
    }
    auto field = [&](const char* key) {
      std::string_view text;
      if (doc[key].get(text) != simdjson::SUCCESS) {
        ADD_FAILURE() << "no " << key << " in " << record.payload;
      }
      return text;
    };
    const std::string id(field("alert_id"));
    EXPECT_EQ(record.key, std::string(field("token"))) << "keyed by token: " << record.payload;
    const bool added =
        alerts
            .emplace(id, alert_text(field("rule"), field("event_id"), field("token"),
                                    field("value"), field("from_address"), field("to_address")))
            .second;
    EXPECT_TRUE(added) << "alert " << id << " published twice";
  }
  return alerts;
}

std::string alert_text(const std::string& rule, const core::Transfer& transfer) {
  return alert_text(rule, transfer.id.value, transfer.contract_address.to_string(),
                    transfer.value.to_decimal(), transfer.from_address.to_string(),
                    transfer.to_address.to_string());
}

}  // namespace tokenflow::testing
