#include "sources/chain_simulator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "codec/transfer_decoder.hpp"
#include "codec/transfer_encoder.hpp"

namespace tokenflow::sources {
namespace {

TEST(ChainSimulator, ProducesValidUniqueTransfersOnAdvancingBlocks) {
  auto registry = core::TokenRegistry::builtin();
  ChainSimulator sim(registry, SimulatorOptions{});
  codec::TransferDecoder decoder;
  std::set<std::string> ids;
  std::uint64_t last_block = 0;
  std::size_t mints = 0, burns = 0, multi_block_transfers = 0, large = 0;
  std::map<std::uint64_t, int> per_block;
  core::Transfer t, back;
  for (int i = 0; i < 20'000; ++i) {
    sim.next(t);
    ASSERT_GE(t.block_number, last_block);
    last_block = t.block_number;
    ++per_block[t.block_number];
    ASSERT_TRUE(ids.insert(t.id.value).second) << "duplicate id " << t.id.value;
    ASSERT_NE(registry.find(t.contract_address), nullptr);
    mints += t.is_mint();
    burns += t.is_burn();
    ASSERT_FALSE(t.is_mint() && t.is_burn());
    const auto* token = registry.find(t.contract_address);
    core::Uint256 million(1'000'000);
    for (int d = 0; d < token->decimals; ++d) million.mul_u64(10);
    large += t.value >= million;
    std::string json = codec::encode_transfer(t);
    ASSERT_TRUE(decoder.decode(json, back).ok()) << json;
    ASSERT_EQ(back, t);
  }
  for (auto& [block, n] : per_block) multi_block_transfers += n > 20;
  EXPECT_GT(per_block.size(), 50u);
  EXPECT_GT(multi_block_transfers, per_block.size() / 2) << "blocks should hold many transfers";
  EXPECT_GT(mints, 200u);
  EXPECT_GT(burns, 100u);
  EXPECT_GT(large, 0u) << "heavy tail: some transfers above 1M tokens";
  EXPECT_LT(large, 200u);
}

TEST(ChainSimulator, IsDeterministicForASeed) {
  auto registry = core::TokenRegistry::builtin();
  ChainSimulator a(registry, SimulatorOptions{});
  ChainSimulator b(registry, SimulatorOptions{});
  core::Transfer ta, tb;
  for (int i = 0; i < 1000; ++i) {
    a.next(ta);
    b.next(tb);
    ASSERT_EQ(ta, tb);
  }
}

}  // namespace
}  // namespace tokenflow::sources
