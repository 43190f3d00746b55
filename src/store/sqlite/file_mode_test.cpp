#include "store/sqlite/file_mode.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/store.hpp"

namespace mend::sqlite {
namespace {

class FileModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mend-file-mode-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    old_umask_ = ::umask(0);  // the widest umask: nothing taken away
  }
  void TearDown() override {
    ::umask(old_umask_);
    std::filesystem::remove_all(dir_);
  }
  static unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  }

  std::filesystem::path dir_;
  mode_t old_umask_ = 0;
};

TEST_F(FileModeTest, ANewDatabaseAndItsWalAndShmAreOwnerOnlyWhateverTheUmask) {
  const std::string db = (dir_ / "mend.db").string();
  auto store = open_store("sqlite:" + db);
  ASSERT_TRUE(store.ok()) << store.error().message;
  // A write, so the -wal and -shm exist while the store is open.
  auto w = (*store)->transact([](StoreTx& tx) { return tx.record_native_hosts({"h"}, 1); });
  ASSERT_TRUE(w.ok()) << w.error().message;
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    ASSERT_TRUE(std::filesystem::exists(db + suffix)) << suffix;
    EXPECT_EQ(mode_of(db + suffix), 0600u) << suffix;
  }
  EXPECT_TRUE(wider_than_private(db).empty());
}

TEST_F(FileModeTest, AnExistingWiderFileIsKeptButReported) {
  const std::string db = (dir_ / "old.db").string();
  { std::ofstream(db).flush(); }
  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  ASSERT_TRUE(create_private_file(db).ok());
  EXPECT_EQ(mode_of(db), 0644u);
  auto lines = wider_than_private(db);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("0644"), std::string::npos) << lines[0];
  EXPECT_TRUE(create_private_file(":memory:").ok());
  EXPECT_TRUE(wider_than_private(":memory:").empty());
}

}  // namespace
}  // namespace mend::sqlite
