#include "core/price_tick.hpp"

namespace tokenflow::core {

std::string price_tick_id(std::string_view source, std::string_view asset, UnixMillis timestamp) {
  std::string id;
  id.reserve(source.size() + asset.size() + 22);
  id.append(source).push_back(':');
  id.append(asset).push_back(':');
  id.append(std::to_string(timestamp.value));
  return id;
}

}  // namespace tokenflow::core
