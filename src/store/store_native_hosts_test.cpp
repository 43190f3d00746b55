// Hosts served by native agents, on every backend (store/test_backends.hpp):
// recorded once, kept across store reopens, read back only for the names asked.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "store/store.hpp"
#include "store/test_backends.hpp"

namespace mend {
namespace {

class StoreNativeHostsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // SQLite on a file (an in-memory database does not outlive its store).
  std::string url() {
    if (GetParam() != "sqlite") return db_.url();
    if (dir_.empty()) {
      std::string tmpl = (std::filesystem::temp_directory_path() / "mend-native-hosts-XXXXXX").string();
      EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
    }
    return "sqlite:" + (dir_ / "mend.db").string();
  }

  std::unique_ptr<Store> open() {
    auto opened = open_store(url());
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  std::vector<std::string> among(Store& store, const std::vector<std::string>& hosts) {
    std::vector<std::string> out;
    auto r = store.read([&](StoreTx& tx) -> Result<void> {
      MEND_ASSIGN_OR_RETURN(out, tx.native_hosts_among(hosts));
      return ok();
    });
    EXPECT_TRUE(r.ok()) << r.error().message;
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TestDatabase db_{GetParam()};
  std::filesystem::path dir_;
};

TEST_P(StoreNativeHostsTest, RecordedHostsAreFoundAgainAfterAReopen) {
  {
    auto store = open();
    ASSERT_TRUE(store);
    auto w = store->transact([](StoreTx& tx) { return tx.record_native_hosts({"web-01", "web-02", "web-01"}, 1000); });
    ASSERT_TRUE(w.ok()) << w.error().message;
    // Recording again (a reconnect) changes nothing and is not an error.
    w = store->transact([](StoreTx& tx) { return tx.record_native_hosts({"web-02"}, 2000); });
    ASSERT_TRUE(w.ok()) << w.error().message;
  }
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(among(*store, {"web-01", "ibex-01", "web-02"}), (std::vector<std::string>{"web-01", "web-02"}));
  EXPECT_TRUE(among(*store, {}).empty());
  EXPECT_TRUE(among(*store, {"WEB-01", "web-0"}).empty());
}

TEST_P(StoreNativeHostsTest, NothingIsRecordedWhenTheTransactionRollsBack) {
  auto store = open();
  ASSERT_TRUE(store);
  auto w = store->transact([](StoreTx& tx) -> Result<void> {
    MEND_TRY(tx.record_native_hosts({"web-01"}, 1000));
    return make_error(ErrorCode::conflict, "roll back");
  });
  EXPECT_FALSE(w.ok());
  EXPECT_TRUE(among(*store, {"web-01"}).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreNativeHostsTest, ::testing::ValuesIn(mend::testing::store_backends()),
                         mend::testing::backend_name);

}  // namespace
}  // namespace mend
