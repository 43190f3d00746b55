#pragma once
// DispatchFeed on PostgreSQL: a connection of its own that LISTENs on
// mend_dispatch and reads the notices other PgStores send at commit (see
// dispatch_notice.hpp). Notices from `origin` (the store that made this feed)
// are skipped.
//
// connect() waits for the connection at most `connect_wait` (the relay calls
// it on the event loop); when that is not enough it answers unavailable and
// the attempt goes on, for a later connect() to pick up (pg::Connector).
//
// Threading: one thread at a time.
#include <chrono>
#include <memory>
#include <string>

#include "store/postgres/connection.hpp"
#include "store/postgres/connector.hpp"
#include "store/store.hpp"

namespace mend::pg {

class PgDispatchFeed final : public DispatchFeed {
 public:
  PgDispatchFeed(std::string conninfo, std::string where, std::string origin,
                 std::chrono::milliseconds connect_wait);

  Result<void> connect() override;
  int socket() const override { return conn_ ? conn_->socket() : -1; }
  Result<FeedBatch> poll() override;
  void disconnect() override { conn_.reset(); }

 private:
  std::string conninfo_;
  std::string where_;
  std::string origin_;
  std::chrono::milliseconds connect_wait_;
  Connector connector_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace mend::pg
