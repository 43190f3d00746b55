#pragma once
// For tests only: a fixture with a fresh store on each backend of the matrix
// (store/test_backends.hpp), and write/read helpers that fail the test when
// their transaction does not commit.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/store.hpp"
#include "store/test_backends.hpp"

namespace mend::testing {

class BackendStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto opened = open_store(db_.url());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
  }

  // Runs f in a write transaction that must commit.
  template <class F>
  void write(F f) {
    must_succeed(&Store::transact, f);
  }
  // Runs f in a read transaction that must succeed.
  template <class F>
  void read(F f) {
    must_succeed(&Store::read, f);
  }

  TestDatabase db_{GetParam()};
  std::unique_ptr<Store> store_;

 private:
  template <class F>
  void must_succeed(Result<void> (Store::*run)(const Store::TxFn&), F& f) {
    auto r = ((*store_).*run)([&](StoreTx& tx) -> Result<void> {
      f(tx);
      return ok();
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
};

}  // namespace mend::testing
