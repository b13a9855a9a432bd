// The topics of DESIGN.md's data flow, created up front on the embedded cluster (which does
// not accept CreateTopics requests) and by `tokenflow up`.
#pragma once

#include <array>
#include <string_view>

namespace tokenflow::cli {

inline constexpr std::string_view kTransfersTopic = "stablecoin-transfers";
inline constexpr std::string_view kSwapsTopic = "defi.swaps";
inline constexpr std::string_view kPricesTopic = "market.prices";
inline constexpr std::string_view kDeadLetterTopic = "tokenflow.dlq";
inline constexpr std::string_view kAlertsTopic = "system.alerts";
inline constexpr std::string_view kLateTopic = "tokenflow.late";
// Where statistics instances announce which tokens they hold (compacted on real clusters).
inline constexpr std::string_view kDirectoryTopic = "tokenflow.stats.directory";

inline constexpr std::array<std::string_view, 7> kKnownTopics = {
    kTransfersTopic, kSwapsTopic,  kPricesTopic,    kDeadLetterTopic,
    kAlertsTopic,    kLateTopic,   kDirectoryTopic};

}  // namespace tokenflow::cli
