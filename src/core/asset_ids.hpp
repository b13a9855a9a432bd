// The CoinGecko-style asset id of a token symbol ("USDC" -> "usd-coin"): the key of price
// ticks (DESIGN.md, Events on the wire), so that ticks of simulated and real sources, and of
// the registry's tokens, name an asset the same way. One table, read both ways: the price
// poller turns the ids users pass to --assets back into symbols with it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tokenflow::core {

// The id of a symbol of the built-in registry or of a native coin the table knows (case as
// the registry spells it); any other symbol in lower case.
std::string asset_id_of_symbol(std::string_view symbol);

// The symbol of an id the table knows ("usd-coin" -> "USDC", "ethereum" -> "ETH"), as the
// registry spells it; nullopt for any other id (a mapping file names its symbol).
std::optional<std::string_view> symbol_of_asset_id(std::string_view id);

}  // namespace tokenflow::core
