#pragma once
// For tests only: the store backends every store and engine test runs on, and
// a fresh database per test.
//
// The matrix: "sqlite" (an in-memory database) always, and "postgres" when
// MEND_TEST_PG_URL names a PostgreSQL server the tests may create databases
// on (scripts/with-postgres.sh starts a throwaway one and sets it; so does
// scripts/test.sh). Use it as
//
//   class FooTest : public ::testing::TestWithParam<std::string> { ...
//     mend::testing::TestDatabase db_{GetParam()};   // before the store
//   INSTANTIATE_TEST_SUITE_P(Backends, FooTest,
//                            ::testing::ValuesIn(mend::testing::store_backends()),
//                            mend::testing::backend_name);
//
// Without MEND_TEST_PG_URL the PostgreSQL instances do not exist (they are
// not skipped or passed): test names end in /sqlite or /postgres, so a run
// shows which backends it covered.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/encoding.hpp"

namespace mend::testing {

inline const char* test_pg_url() {
  const char* url = std::getenv("MEND_TEST_PG_URL");
  return (url != nullptr && *url != '\0') ? url : nullptr;
}

inline std::vector<std::string> store_backends() {
  std::vector<std::string> out = {"sqlite"};
  if (test_pg_url() != nullptr) out.push_back("postgres");
  return out;
}

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

// `url` with its database replaced by `dbname`, as a postgresql:// URI whose
// every other setting (host, port, user, password...) is a query parameter.
inline std::string pg_url_with_database(const std::string& url, const std::string& dbname) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    ADD_FAILURE() << "MEND_TEST_PG_URL does not parse: " << (err != nullptr ? err : "");
    PQfreemem(err);
    return {};
  }
  std::string out = "postgresql:///" + dbname;
  char sep = '?';
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0' || std::strcmp(o->keyword, "dbname") == 0) continue;
    out += sep;
    out += o->keyword;
    out += '=';
    out += url_encode(o->val);
    sep = '&';
  }
  PQconninfoFree(opts);
  return out;
}

// Runs one statement on the database `conninfo` names, beside any store;
// returns the first column of the first row, "" if none. Fails the test on error.
inline std::string pg_sql(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string out;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to the test PostgreSQL: " << PQerrorMessage(conn);
  } else {
    PGresult* res = PQexec(conn, sql.c_str());
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
    } else if (st == PGRES_TUPLES_OK && PQntuples(res) > 0) {
      out = PQgetvalue(res, 0, 0);
    }
    PQclear(res);
  }
  PQfinish(conn);
  return out;
}

// pg_sql on the server's own database (MEND_TEST_PG_URL).
inline std::string pg_admin_sql(const std::string& sql) { return pg_sql(test_pg_url(), sql); }

// A database for one test: "sqlite::memory:", or a new PostgreSQL database
// mend_test_<pid>_<n>_<random> that is dropped (connections and all) when
// this object goes. Declare it before the store that uses it.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& backend) {
    if (backend == "sqlite") {
      url_ = "sqlite::memory:";
      return;
    }
    if (backend != "postgres" || test_pg_url() == nullptr) {
      ADD_FAILURE() << "no test database for backend '" << backend << "'";
      return;
    }
    static std::atomic<int> counter{0};
    std::random_device rd;
    name_ = "mend_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(rd() % 1000000);
    // The name is generated above (letters, digits, _): nothing to quote.
    pg_admin_sql("CREATE DATABASE " + name_ + " TEMPLATE template0 ENCODING 'UTF8'");
    url_ = pg_url_with_database(test_pg_url(), name_);
  }
  ~TestDatabase() {
    if (!name_.empty()) pg_admin_sql("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  // What open_store takes.
  const std::string& url() const { return url_; }
  // The PostgreSQL database name; "" for SQLite.
  const std::string& pg_name() const { return name_; }

 private:
  std::string url_;
  std::string name_;
};

// A fixture with a fresh PostgreSQL database in db_. Without MEND_TEST_PG_URL
// its tests are skipped, saying so; a subclass's SetUp calls this one first
// and returns at once when IsSkipped().
class PgDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_pg_url() == nullptr) GTEST_SKIP() << "MEND_TEST_PG_URL is not set; run under scripts/with-postgres.sh";
    db_.emplace("postgres");
    ASSERT_FALSE(db_->url().empty());
  }

  std::optional<TestDatabase> db_;
};

}  // namespace mend::testing
