#pragma once
// Shared by the SQLite store tests: a few builders (temporary directories: testing/temp_dir.hpp).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <optional>
#include <string>

#include "store/sqlite/sqlite_store.hpp"

namespace mend::sqlite::testing {

inline TaskSpec make_spec(std::string title, std::vector<std::string> hosts) {
  TaskSpec spec;
  spec.title = std::move(title);
  spec.account = "root";
  spec.script = "echo hi";
  spec.creator = "alice";
  spec.hosts = std::move(hosts);
  return spec;
}

// A firing generic alert with fingerprint `fp`, received at 1000 ms.
inline StoredAlertEvent make_alert_event(const std::string& fp, std::string labels_json = "{}") {
  StoredAlertEvent e;
  e.source = "generic";
  e.status = "firing";
  e.fingerprint = fp;
  e.labels_json = std::move(labels_json);
  e.annotations_json = "{}";
  e.received_ms = 1000;
  return e;
}

// A record of `decision` about event `event_id`, created at `at`.
inline HealRecord make_heal_record(int64_t event_id, const std::string& rule, const std::string& host,
                                   const std::string& fp, const std::string& decision, const std::string& reason,
                                   int64_t at, std::optional<int64_t> task = std::nullopt) {
  HealRecord r;
  r.event_id = event_id;
  r.rule = rule;
  r.host = host;
  r.fingerprint = fp;
  r.decision = decision;
  r.reason = reason;
  r.task_id = task;
  r.created_ms = at;
  return r;
}

// Inserts `spec` as a task (at 1000 ms) in a transaction of its own.
inline Result<int64_t> insert_task(Store& store, const TaskSpec& spec) {
  int64_t id = 0;
  auto r = store.transact([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(id, tx.insert_task(spec, 1000));
    return ok();
  });
  if (!r.ok()) return r.error();
  return id;
}

// How many tasks the store holds; -1 (and a failed test) when it cannot say.
inline int64_t task_total(Store& store) {
  int64_t total = -1;
  auto r = store.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(auto page, tx.list_tasks({}));
    total = page.total;
    return ok();
  });
  EXPECT_TRUE(r.ok()) << r.error().message;
  return total;
}

// Runs one SQL statement on the file directly, bypassing the store (to damage
// or inspect a database the way another tool would). Returns the first column
// of the first row as text, or "".
inline std::string raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string out;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

}  // namespace mend::sqlite::testing
