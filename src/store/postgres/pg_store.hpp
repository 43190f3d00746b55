#pragma once
// The PostgreSQL backend of Store, for several servers on one database.
//
// open() takes a libpq connection string in either form:
//   postgresql://user:pass@host:port/db?sslmode=require   (or postgres://)
//   host=db.example port=5432 dbname=mend user=mend password=...
// and applies pending migrations under an advisory lock (see pg/migrate.hpp).
//
// transact() runs BEGIN ... COMMIT at READ COMMITTED; PgTx locks each task
// row it touches before reading it, which makes the engine's read-decide-
// write on one task safe against other servers (see pg_tx.hpp). When
// PostgreSQL aborts the transaction with a deadlock or serialization failure
// (40P01, 40001), transact() rolls back and runs fn again, up to
// max_attempts times: fn must not keep side effects of a run that failed.
// read() runs a REPEATABLE READ READ ONLY transaction: one snapshot.
//
// Connection loss: the call in progress returns unavailable ("lost the
// connection to PostgreSQL user@host:port/db: ..."); a COMMIT that loses the
// connection may or may not have committed, and says so. The next call
// connects again by itself, at once the first time and then no more often
// than the backoff allows (reconnect_min_ms doubling to reconnect_max_ms);
// between attempts calls fail fast with unavailable. A reconnect never holds
// the caller's thread for longer than connect_wait_ms (the server's event
// loop calls the store): the attempt goes on on a thread of its own
// (pg::Connector), calls made meanwhile answer unavailable ("still
// connecting") at once, and the first call after it finished uses it. A connection found dead
// at BEGIN (the server restarted while we were idle) is replaced and the
// call goes on, since nothing of it had run.
//
// StoreTx::notify_peers: the hosts a transaction names go out as one
// pg_notify on channel mend_dispatch, sent just before COMMIT (so only if it
// commits); open_dispatch_feed() hears the other stores' ones.
//
// Messages name the database as user@host:port/db and never carry the password.
//
// Threading: one thread at a time, as Store says; one connection per PgStore.
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/connector.hpp"
#include "store/store.hpp"

namespace mend {

struct PgOptions {
  int64_t reconnect_min_ms = 100;
  int64_t reconnect_max_ms = 5000;
  // Runs of one transaction when PostgreSQL asks for a retry (deadlock,
  // serialization failure); after the last, transact() returns unavailable.
  int max_attempts = 3;
  // How long the call that starts a reconnect waits for it (pg::kConnectWait).
  int64_t connect_wait_ms = pg::kConnectWait.count();
  // Measures the reconnect backoff (monotonic time); SystemClock when null.
  const Clock* clock = nullptr;
};

class PgStore final : public Store {
 public:
  // Connects and migrates. Errors: invalid_input (the string does not parse),
  // unavailable (cannot connect, cannot migrate, schema newer than ours).
  static Result<std::unique_ptr<PgStore>> open(const std::string& conninfo,
                                               const PgOptions& options = {});
  ~PgStore() override;

  Result<void> transact(const TxFn& fn) override;
  Result<void> read(const TxFn& fn) override;
  // LISTENs on its own connection; skips this store's own notifications.
  std::unique_ptr<DispatchFeed> open_dispatch_feed() override;

 private:
  PgStore(std::string conninfo, std::string where, const PgOptions& options,
          std::unique_ptr<pg::Connection> conn);
  Result<void> run(const TxFn& fn, bool write);
  // How far a run got: not connected; BEGIN found the connection dead
  // (nothing ran, a retry is safe); fn ran (or began to).
  enum class Stage { connect, begin_lost, body };
  // One run of fn in one transaction.
  Result<void> run_once(const TxFn& fn, bool write, Stage& stage);
  // A live connection, connecting if there is none and the backoff allows.
  Result<void> connect();
  // Ends a failed transaction; drops the connection when that fails too.
  void rollback();
  Error scrubbed(Error e) const;

  std::string conninfo_;
  std::string where_;
  std::string password_;
  PgOptions options_;
  SystemClock system_clock_;
  const Clock& clock_;
  std::unique_ptr<pg::Connection> conn_;
  pg::Connector connector_;
  bool in_transaction_ = false;
  int64_t backoff_ms_ = 0;       // 0: the next connect may happen at once
  int64_t next_connect_us_ = 0;  // monotonic
  std::string last_connect_error_;
  std::string origin_;  // names this store in its notifications
};

}  // namespace mend
