#include "codec/transfer_field.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tokenflow::codec {
namespace {

TEST(TransferField, EveryAliasFindsItsField) {
  for (const auto& alias : kTransferFieldAliases) {
    TransferField field = TransferField::count;
    ASSERT_TRUE(find_transfer_field(alias.name, field)) << alias.name;
    EXPECT_EQ(field, alias.field) << alias.name;
  }
  TransferField field = TransferField::count;
  ASSERT_TRUE(find_transfer_field("transactionHash", field));
  EXPECT_EQ(field, TransferField::tx_hash);
  ASSERT_TRUE(find_transfer_field("from", field));
  EXPECT_EQ(field, TransferField::from_address);
}

TEST(TransferField, EveryCanonicalNameIsAnAlias) {
  for (std::size_t i = 0; i < kTransferFieldCount; ++i) {
    TransferField field = TransferField::count;
    ASSERT_TRUE(find_transfer_field(kTransferFieldName[i], field)) << kTransferFieldName[i];
    EXPECT_EQ(static_cast<std::size_t>(field), i);
  }
}

TEST(TransferField, NearMissesAreUnknown) {
  for (const char* key : {"",
                          "i",
                          "Id",
                          "ID",
                          "ids",
                          "to_",
                          "tO",
                          "TO",
                          "fro",
                          "fromm",
                          "From",
                          "valuE",
                          "Value",
                          "value_",
                          "blocknumber",
                          "block_numbeR",
                          "contract_addresS",
                          "Contract_address",
                          "transaction_hasH",
                          "contract_address_",
                          "transaction_hash_x",
                          "chain_iD",
                          "log-index",
                          "decimalS",
                          "symbols",
                          "tx_hash\x01",
                          "a_very_long_key_of_forty_bytes_"}) {
    TransferField field = TransferField::count;
    EXPECT_FALSE(find_transfer_field(key, field)) << "found '" << key << "'";
    EXPECT_EQ(field, TransferField::count) << "a miss must leave the output alone";
  }
}

TEST(TransferField, OnlyTheKeysOwnBytesAreCompared) {
  // A key is a view into a larger buffer; bytes after its end must not matter.
  const std::string buffer = "fromaddress_and_more";
  TransferField field = TransferField::count;
  ASSERT_TRUE(find_transfer_field(std::string_view(buffer).substr(0, 4), field));
  EXPECT_EQ(field, TransferField::from_address);
  const std::string id = "idx";
  ASSERT_TRUE(find_transfer_field(std::string_view(id).substr(0, 2), field));
  EXPECT_EQ(field, TransferField::id);
}

}  // namespace
}  // namespace tokenflow::codec
