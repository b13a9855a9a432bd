// PostgresStore without a server: option validation and URLs in log lines without their
// passwords. Everything that needs a server is in tests/integration/store_postgres_*.
#include "sinks/postgres_store.hpp"

#include <gtest/gtest.h>

#include "sinks/errc.hpp"

namespace tokenflow::sinks {
namespace {

TEST(PostgresStoreDescribeUrl, DropsThePasswordOnly) {
  EXPECT_EQ(PostgresStore::describe_url("postgresql://user:secret@db.example:5432/app"),
            "postgresql://user@db.example:5432/app");
  EXPECT_EQ(PostgresStore::describe_url("postgres://user:p%40ss@h/db?sslmode=require&password=x"),
            "postgres://user@h/db?sslmode=require");
  EXPECT_EQ(PostgresStore::describe_url("postgresql://u:a@b@h/db"), "postgresql://u@h/db");
  EXPECT_EQ(PostgresStore::describe_url("postgresql://postgres@127.0.0.1:5432/postgres"),
            "postgresql://postgres@127.0.0.1:5432/postgres");
  EXPECT_EQ(PostgresStore::describe_url("postgresql:///db?host=/tmp&password=x&user=u"),
            "postgresql:///db?host=/tmp&user=u");
  const std::string keywords =
      PostgresStore::describe_url("host=h port=5433 user=u password='s e c' dbname=d");
  EXPECT_EQ(keywords.find("s e c"), std::string::npos) << keywords;
  EXPECT_NE(keywords.find("host=h"), std::string::npos) << keywords;
  EXPECT_NE(keywords.find("dbname=d"), std::string::npos) << keywords;
}

TEST(PostgresStoreValidate, ChecksNamesAndTheUrl) {
  PostgresStoreOptions options;
  options.url = "postgresql://postgres@127.0.0.1/postgres";
  EXPECT_TRUE(PostgresStore::validate(options).ok());
  for (const char* bad : {"", "1abc", "a-b", "a\"b", "tr; DROP", "x234567890123456789012345678901234567890123"}) {
    auto o = options;
    o.table = bad;
    auto r = PostgresStore::validate(o);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, errc::rejected);
  }
  auto o = options;
  o.schema = "Raw_2";
  EXPECT_TRUE(PostgresStore::validate(o).ok());
  o.positions_table = o.table;
  EXPECT_FALSE(PostgresStore::validate(o).ok());
  o = options;
  o.url = "postgresql://user:pw@host/db?no_such_option=1";
  auto r = PostgresStore::validate(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message.find("pw@"), std::string::npos) << r.error().message;
  o.url = "host=h = =";
  EXPECT_FALSE(PostgresStore::validate(o).ok());
}

}  // namespace
}  // namespace tokenflow::sinks
