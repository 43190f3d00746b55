#include <gtest/gtest.h>

#include "store/sqlite/test_support.hpp"
#include "store/store.hpp"

namespace mend {
namespace {

TEST(OpenStore, SqliteMemoryAndFileOpen) {
  auto memory = open_store("sqlite::memory:");
  ASSERT_TRUE(memory.ok()) << memory.error().message;
  auto r = (*memory)->transact([](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.insert_task(sqlite::testing::make_spec("t", {"h"}), 1));
    return ok();
  });
  EXPECT_TRUE(r.ok()) << r.error().message;

  sqlite::testing::TempDir dir;
  auto file = open_store("sqlite:" + dir.file("m.db"));
  ASSERT_TRUE(file.ok()) << file.error().message;
}

TEST(OpenStore, PostgresIsNotSupportedYetAndKeepsThePasswordOutOfTheMessage) {
  auto r = open_store("postgresql://mend:s3cret@db/mend");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
  EXPECT_NE(r.error().message.find("not supported yet"), std::string::npos);
  EXPECT_EQ(r.error().message.find("s3cret"), std::string::npos);
}

TEST(OpenStore, UnknownSchemeAndEmptyPathAreInvalidInput) {
  for (const char* url : {"mysql://u:p@h/db", "/var/lib/mend.db", "", "sqlite:"}) {
    auto r = open_store(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_input) << url;
    EXPECT_EQ(r.error().message.find(":p@"), std::string::npos);
  }
}

}  // namespace
}  // namespace mend
