#include "processors/alerts/alert_rules.hpp"

#include <gtest/gtest.h>

namespace tokenflow::processors {
namespace {

constexpr const char* kUsdc = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";  // 6 decimals
constexpr const char* kDai = "0x6b175474e89094c44da98b954eedeac495271d0f";   // 18 decimals
constexpr const char* kWeth = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";  // no peg
constexpr const char* kAlice = "0x1111111111111111111111111111111111111111";
constexpr const char* kBob = "0x2222222222222222222222222222222222222222";
constexpr const char* kZero = "0x0000000000000000000000000000000000000000";

core::Transfer transfer(const char* token, const char* value, const char* from = kAlice,
                        const char* to = kBob) {
  core::Transfer t;
  t.id.value = "0xabc_1";
  t.contract_address = *core::Address::parse(token);
  t.from_address = *core::Address::parse(from);
  t.to_address = *core::Address::parse(to);
  t.value = *core::Uint256::from_decimal(value);
  return t;
}

std::vector<std::pair<AlertRule, SizeBasis>> fire(const AlertRules& rules, const core::Transfer& t) {
  std::array<Firing, 4> out;
  TokenView token;
  const auto n = rules.evaluate(t, out, token);
  std::vector<std::pair<AlertRule, SizeBasis>> fired;
  for (std::size_t i = 0; i < n; ++i) fired.emplace_back(out[i].rule, out[i].basis);
  return fired;
}

using Fired = std::vector<std::pair<AlertRule, SizeBasis>>;
const Fired kNothing{};
const Fired kLarge{{AlertRule::large, SizeBasis::usd}};
const Fired kCritical{{AlertRule::critical, SizeBasis::usd}};

class AlertRulesTest : public ::testing::Test {
 protected:
  core::TokenRegistry registry_ = core::TokenRegistry::builtin();
};

TEST_F(AlertRulesTest, SixDecimalBoundariesAtBothThresholdsAreExact) {
  AlertRules rules({}, registry_);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "999999999999")), kNothing);  // 999,999.999999 USDC
  EXPECT_EQ(fire(rules, transfer(kUsdc, "1000000000000")), kLarge);   // 1,000,000.000000
  EXPECT_EQ(fire(rules, transfer(kUsdc, "9999999999999")), kLarge);   // 9,999,999.999999
  EXPECT_EQ(fire(rules, transfer(kUsdc, "10000000000000")), kCritical);
}

TEST_F(AlertRulesTest, EighteenDecimalBoundariesAtBothThresholdsAreExact) {
  AlertRules rules({}, registry_);
  EXPECT_EQ(fire(rules, transfer(kDai, "999999999999999999999999")), kNothing);  // 1 wei under
  EXPECT_EQ(fire(rules, transfer(kDai, "1000000000000000000000000")), kLarge);
  EXPECT_EQ(fire(rules, transfer(kDai, "9999999999999999999999999")), kLarge);
  EXPECT_EQ(fire(rules, transfer(kDai, "10000000000000000000000000")), kCritical);
  // The largest 256-bit amount is critical, not an overflow.
  EXPECT_EQ(fire(rules, transfer(kDai, core::Uint256::max().to_decimal().c_str())), kCritical);
}

TEST_F(AlertRulesTest, MintBurnAndWatchFireAtAnySize) {
  AlertRulesOptions options;
  options.watch = {*core::Address::parse(kBob)};
  AlertRules rules(options, registry_);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "1", kZero, kAlice)),
            (Fired{{AlertRule::mint, SizeBasis::none}}));
  EXPECT_EQ(fire(rules, transfer(kUsdc, "1", kAlice, kZero)),
            (Fired{{AlertRule::burn, SizeBasis::none}}));
  EXPECT_EQ(fire(rules, transfer(kUsdc, "0", kAlice, kBob)),
            (Fired{{AlertRule::watch, SizeBasis::none}}));
  // A critical mint to a watched address fires all three, critical first.
  EXPECT_EQ(fire(rules, transfer(kUsdc, "20000000000000", kZero, kBob)),
            (Fired{{AlertRule::critical, SizeBasis::usd},
                   {AlertRule::mint, SizeBasis::none},
                   {AlertRule::watch, SizeBasis::none}}));
}

TEST_F(AlertRulesTest, MintsAndBurnsCanBeTurnedOff) {
  AlertRulesOptions options;
  options.mints = false;
  options.burns = false;
  AlertRules rules(options, registry_);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "1", kZero, kAlice)), kNothing);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "1", kAlice, kZero)), kNothing);
}

TEST_F(AlertRulesTest, AnUnpeggedTokenHasNoUsdRuleUntilAPriceTick) {
  AlertRules rules({}, registry_);
  const auto big = "1000000000000000000000000";  // 1,000,000 WETH
  EXPECT_EQ(fire(rules, transfer(kWeth, big)), kNothing);
  const auto* weth = registry_.find(*core::Address::parse(kWeth));
  ASSERT_NE(weth, nullptr);
  ASSERT_TRUE(rules.set_price(*weth, *core::Decimal::parse("3000"), core::UnixMillis{1000}));
  EXPECT_EQ(fire(rules, transfer(kWeth, big)), kCritical);
  // 333.333... WETH at 3000 USD: 333.333333333333333333 is under 1,000,000 USD, one wei more is not.
  EXPECT_EQ(fire(rules, transfer(kWeth, "333333333333333333333")), kNothing);
  EXPECT_EQ(fire(rules, transfer(kWeth, "333333333333333333334")), kLarge);
}

TEST_F(AlertRulesTest, APriceTickMovesAPeggedTokenOverTheThresholdAndStaleTicksAreIgnored) {
  AlertRules rules({}, registry_);
  const auto amount = "999999000000";  // 999,999 USDC: under at the 1.00 peg
  EXPECT_EQ(fire(rules, transfer(kUsdc, amount)), kNothing);
  const auto* usdc = registry_.find(*core::Address::parse(kUsdc));
  // At 1.000001 USD it is worth 999,999.999999 USD: still under.
  ASSERT_TRUE(rules.set_price(*usdc, *core::Decimal::parse("1.000001"), core::UnixMillis{2000}));
  EXPECT_EQ(fire(rules, transfer(kUsdc, amount)), kNothing);
  // At 1.000002 USD, 1,000,000.999998 USD: large.
  ASSERT_TRUE(rules.set_price(*usdc, *core::Decimal::parse("1.000002"), core::UnixMillis{2500}));
  EXPECT_EQ(fire(rules, transfer(kUsdc, amount)), kLarge);
  // An older tick does not undo a newer one.
  EXPECT_FALSE(rules.set_price(*usdc, *core::Decimal::parse("0.5"), core::UnixMillis{1000}));
  EXPECT_EQ(fire(rules, transfer(kUsdc, amount)), kLarge);
  ASSERT_TRUE(rules.set_price(*usdc, *core::Decimal::parse("0.999"), core::UnixMillis{3000}));
  EXPECT_EQ(fire(rules, transfer(kUsdc, amount)), kNothing);
}

TEST_F(AlertRulesTest, TheTokenUnitsRuleAndUnknownTokens) {
  AlertRulesOptions options;
  options.min_tokens = core::Decimal::from_integer(10'000);
  options.alert_unknown_tokens = true;
  AlertRules rules(options, registry_);
  const Fired by_tokens{{AlertRule::large, SizeBasis::tokens}};
  EXPECT_EQ(fire(rules, transfer(kWeth, "10000000000000000000000")), by_tokens);  // 10,000 WETH
  EXPECT_EQ(fire(rules, transfer(kWeth, "9999999999999999999999")), kNothing);
  const char* unknown = "0x9999999999999999999999999999999999999999";
  auto t = transfer(unknown, "10000000000");  // 10,000 units at 6 decimals
  t.decimals = 6;
  EXPECT_EQ(fire(rules, t), by_tokens);
  t.decimals.reset();  // 18 assumed: 0.00000001 units
  EXPECT_EQ(fire(rules, t), kNothing);
  std::array<Firing, 4> out;
  TokenView token;
  rules.evaluate(t, out, token);
  EXPECT_EQ(token.info, nullptr);
}

TEST_F(AlertRulesTest, RegistryEntriesOverrideTheThresholds) {
  auto info = *registry_.find(*core::Address::parse(kUsdc));
  info.large_transfer_usd = *core::Decimal::parse("500");
  info.critical_transfer_usd = *core::Decimal::parse("1000.5");
  registry_.upsert(info);
  AlertRules rules({}, registry_);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "499999999")), kNothing);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "500000000")), kLarge);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "1000499999")), kLarge);
  EXPECT_EQ(fire(rules, transfer(kUsdc, "1000500000")), kCritical);
  // DAI keeps the command line's thresholds.
  EXPECT_EQ(fire(rules, transfer(kDai, "500000000000000000000")), kNothing);
}

}  // namespace
}  // namespace tokenflow::processors
