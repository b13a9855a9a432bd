#include "sources/field_mapping.hpp"

#include <algorithm>

#include "sources/errc.hpp"

namespace tokenflow::sources {

bool is_graphql_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  auto letter = [](char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

core::Result<FieldMapping> FieldMapping::parse(const std::vector<std::string>& specs) {
  FieldMapping mapping;
  for (const auto& spec : specs) {
    auto eq = spec.find('=');
    std::string_view indexer = std::string_view(spec).substr(0, eq);
    std::string_view field =
        eq == std::string::npos ? std::string_view() : std::string_view(spec).substr(eq + 1);
    if (eq == std::string::npos || !is_graphql_name(indexer)) {
      return core::Error{std::make_error_code(std::errc::invalid_argument),
                         "--field-map '" + spec +
                             "': expected indexerName=transfer_field, e.g. transferHash=tx_hash"};
    }
    if (std::find(std::begin(kTransferFields), std::end(kTransferFields), field) ==
        std::end(kTransferFields)) {
      std::string known;
      for (auto f : kTransferFields) known += (known.empty() ? "" : ", ") + std::string(f);
      return core::Error{std::make_error_code(std::errc::invalid_argument),
                         "--field-map '" + spec + "': '" + std::string(field) +
                             "' is not a transfer field; use one of " + known};
    }
    mapping.renames_.emplace_back(indexer, field);
  }
  return mapping;
}

std::string_view FieldMapping::to_transfer(std::string_view indexer_name) const noexcept {
  for (const auto& [indexer, field] : renames_) {
    if (indexer == indexer_name) return field;
  }
  return indexer_name;
}

std::string_view FieldMapping::to_indexer(std::string_view transfer_field,
                                          std::string_view fallback) const noexcept {
  for (const auto& [indexer, field] : renames_) {
    if (field == transfer_field) return indexer;
  }
  return fallback;
}

}  // namespace tokenflow::sources
