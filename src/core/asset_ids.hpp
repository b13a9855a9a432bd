// The CoinGecko-style asset id of a token symbol ("USDC" -> "usd-coin"): the key of price
// ticks (DESIGN.md, Events on the wire), so that ticks of simulated and real sources, and of
// the registry's tokens, name an asset the same way.
#pragma once

#include <string>
#include <string_view>

namespace tokenflow::core {

// The id of a symbol of the built-in registry (case as the registry spells it); any other
// symbol in lower case.
std::string asset_id_of_symbol(std::string_view symbol);

}  // namespace tokenflow::core
