#include "store/postgres/pg_store.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "common/strings.hpp"
#include "store/postgres/dispatch_notice.hpp"
#include "store/postgres/migrate.hpp"
#include "store/postgres/pg_dispatch_feed.hpp"
#include "store/postgres/pg_tx.hpp"

namespace mend {

Result<std::unique_ptr<PgStore>> PgStore::open(const std::string& conninfo,
                                               const PgOptions& options) {
  std::string where = pg::describe_conninfo(conninfo);
  MEND_ASSIGN_OR_RETURN(auto conn, pg::Connection::open(conninfo, where));
  std::string password = pg::conninfo_password(conninfo);
  auto migrated = pg::migrate(*conn, SystemClock().now_ms());
  if (!migrated.ok()) {
    Error e = migrated.error();
    if (!password.empty()) e.message = replace_all(e.message, password, "***");
    return make_error(e.code, "PostgreSQL " + where + ": " + e.message);
  }
  return std::unique_ptr<PgStore>(new PgStore(conninfo, where, options, std::move(conn)));
}

PgStore::PgStore(std::string conninfo, std::string where, const PgOptions& options,
                 std::unique_ptr<pg::Connection> conn)
    : conninfo_(std::move(conninfo)),
      where_(std::move(where)),
      password_(pg::conninfo_password(conninfo_)),
      options_(options),
      clock_(options.clock != nullptr ? *options.clock : system_clock_),
      conn_(std::move(conn)),
      connector_(conninfo_, where_),
      origin_(pg::new_notice_origin()) {}

PgStore::~PgStore() = default;

Result<void> PgStore::transact(const TxFn& fn) { return run(fn, true); }

Result<void> PgStore::read(const TxFn& fn) { return run(fn, false); }

std::unique_ptr<DispatchFeed> PgStore::open_dispatch_feed() {
  return std::make_unique<pg::PgDispatchFeed>(conninfo_, where_, origin_,
                                              std::chrono::milliseconds(options_.connect_wait_ms));
}

Error PgStore::scrubbed(Error e) const {
  if (!password_.empty()) e.message = replace_all(e.message, password_, "***");
  return e;
}

Result<void> PgStore::connect() {
  if (conn_ != nullptr && !conn_->lost()) return ok();
  conn_.reset();
  std::chrono::milliseconds wait(0);
  if (!connector_.in_flight()) {
    int64_t now_us = clock_.monotonic_us();
    if (backoff_ms_ > 0 && now_us < next_connect_us_) {
      return make_error(ErrorCode::unavailable,
                        "PostgreSQL " + where_ + " is unavailable (next reconnect attempt in " +
                            std::to_string((next_connect_us_ - now_us + 999) / 1000) +
                            " ms): " + last_connect_error_);
    }
    connector_.start();
    // Only the call that starts the attempt waits for it; calls made while
    // it is still going answer at once.
    wait = std::chrono::milliseconds(options_.connect_wait_ms);
  }
  auto outcome = connector_.take(wait);
  if (!outcome) return pg::still_connecting(where_);
  auto opened = std::move(*outcome);
  if (!opened.ok()) {
    int64_t now_us = clock_.monotonic_us();
    backoff_ms_ = backoff_ms_ == 0 ? options_.reconnect_min_ms
                                   : std::min(backoff_ms_ * 2, options_.reconnect_max_ms);
    next_connect_us_ = now_us + backoff_ms_ * 1000;
    last_connect_error_ = scrubbed(opened.error()).message;
    spdlog::warn("store: {}; next attempt in {} ms", last_connect_error_, backoff_ms_);
    return scrubbed(opened.error());
  }
  if (backoff_ms_ > 0) spdlog::info("store: reconnected to PostgreSQL {}", where_);
  backoff_ms_ = 0;
  conn_ = std::move(opened).value();
  return ok();
}

void PgStore::rollback() {
  if (conn_ == nullptr) return;
  if (!conn_->lost() && conn_->transaction_status() != PQTRANS_IDLE) {
    auto done = conn_->exec_script("ROLLBACK");
    if (!done.ok()) spdlog::error("store: ROLLBACK failed: {}", scrubbed(done.error()).message);
  }
  // A connection that is gone or still inside a transaction would make the
  // next call's statements part of this one: replace it. Closing it ends the
  // transaction on the server.
  if (conn_->lost() || conn_->transaction_status() != PQTRANS_IDLE) conn_.reset();
}

Result<void> PgStore::run(const TxFn& fn, bool write) {
  // A nested call would silently join the outer transaction's fate.
  if (in_transaction_)
    return make_error(ErrorCode::internal, "store transaction started inside another");
  for (int attempt = 1;; ++attempt) {
    Stage stage = Stage::connect;
    auto result = run_once(fn, write, stage);
    if (result.ok()) return result;
    std::string sqlstate = conn_ != nullptr ? conn_->last_sqlstate() : "";
    if (stage == Stage::begin_lost && attempt == 1) {
      // The connection died while idle (a server restart): nothing of this
      // call ran, so connect again at once and go on.
      continue;
    }
    if (stage == Stage::body && pg::is_retryable_sqlstate(sqlstate) &&
        attempt < options_.max_attempts) {
      spdlog::info("store: transaction attempt {} failed ({}), running it again", attempt,
                   result.error().message);
      continue;
    }
    return result;
  }
}

Result<void> PgStore::run_once(const TxFn& fn, bool write, Stage& stage) {
  MEND_TRY(connect());
  conn_->clear_last_error();
  auto b = conn_->exec_script(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!b.ok()) {
    if (conn_->lost()) {
      conn_.reset();
      stage = Stage::begin_lost;
    }
    return scrubbed(b.error());
  }
  stage = Stage::body;
  in_transaction_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_transaction_};

  Result<void> result;
  std::set<std::string> notify;
  try {
    pg::PgTx tx(*conn_, write);
    result = fn(tx);
    notify = tx.hosts_to_notify();
  } catch (...) {
    rollback();
    throw;
  }
  if (result.ok() && !conn_->lost() && conn_->transaction_status() == PQTRANS_INERROR) {
    // fn went on after a statement failed. PostgreSQL has already doomed the
    // transaction and COMMIT would quietly roll it back: report the failure.
    result = make_error(pg::is_retryable_sqlstate(conn_->last_sqlstate()) ? ErrorCode::unavailable
                                                                          : ErrorCode::internal,
                        "transaction aborted by an earlier error: " + conn_->last_error());
  }
  if (result.ok()) {
    if (!write) {
      rollback();  // a read has nothing to keep
      return ok();
    }
    if (!notify.empty()) {
      // One NOTIFY per transaction, however many hosts: PostgreSQL serialises
      // the commits of notifying transactions on one global lock.
      std::string payload = pg::encode_dispatch_notice(origin_, notify);
      pg::Params p;
      p.add(pg::kDispatchChannel).add(payload);
      auto sent = conn_->exec("SELECT pg_notify($1::text, $2::text)", p);
      if (!sent.ok()) {
        if (conn_->lost()) conn_.reset();
        else rollback();
        return scrubbed(sent.error());
      }
    }
    auto committed = conn_->exec_script("COMMIT");
    if (committed.ok()) return ok();
    if (conn_->lost()) {
      conn_.reset();
      return make_error(ErrorCode::unavailable,
                        "lost the connection to PostgreSQL " + where_ +
                            " during COMMIT: the transaction may or may not have committed");
    }
    result = committed.error();
  }
  rollback();
  return scrubbed(result.error());
}

}  // namespace mend
