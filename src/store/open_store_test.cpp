#include <gtest/gtest.h>

#include "store/sqlite/test_support.hpp"
#include "store/store.hpp"
#include "testing/temp_dir.hpp"

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

  testing::TempDir dir;
  auto file = open_store("sqlite:" + dir.file("m.db").string());
  ASSERT_TRUE(file.ok()) << file.error().message;
}

TEST(OpenStore, PostgresUrlsReachPgStoreAndKeepThePasswordOutOfTheMessage) {
  // Nothing listens on port 1: the URL is understood, the server is not there.
  for (const char* url :
       {"postgresql://mend:s3cret@127.0.0.1:1/mend", "postgres://mend:s3cret@127.0.0.1:1/mend"}) {
    auto r = open_store(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::unavailable) << r.error().message;
    EXPECT_NE(r.error().message.find("mend@127.0.0.1:1/mend"), std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find("s3cret"), std::string::npos) << r.error().message;
  }
}

TEST(OpenStore, UnknownSchemeAndEmptyPathAreInvalidInput) {
  for (const char* url : {"mysql://u:p@h/db", "/var/lib/mend.db", "",
                          "sqlite:", "host=db user=u password=p dbname=mend"}) {
    auto r = open_store(url);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_input) << url;
    EXPECT_EQ(r.error().message.find(":p@"), std::string::npos);
    EXPECT_EQ(r.error().message.find("password=p"), std::string::npos);
  }
}

}  // namespace
}  // namespace mend
