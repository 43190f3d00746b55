#include "store/postgres/pg_dispatch_feed.hpp"

#include <set>

#include "common/strings.hpp"
#include "store/postgres/dispatch_notice.hpp"

namespace mend::pg {

PgDispatchFeed::PgDispatchFeed(std::string conninfo, std::string where, std::string origin,
                               std::chrono::milliseconds connect_wait)
    : conninfo_(std::move(conninfo)),
      where_(std::move(where)),
      origin_(std::move(origin)),
      connect_wait_(connect_wait),
      connector_(conninfo_, where_) {}

Result<void> PgDispatchFeed::connect() {
  if (conn_ != nullptr && !conn_->lost()) return ok();
  conn_.reset();
  connector_.start();
  auto outcome = connector_.take(connect_wait_);
  if (!outcome) return still_connecting(where_);
  auto opened = std::move(*outcome);
  if (!opened.ok()) {
    Error e = opened.error();
    if (std::string pw = conninfo_password(conninfo_); !pw.empty()) e.message = replace_all(e.message, pw, "***");
    return e;
  }
  auto conn = std::move(opened).value();
  MEND_TRY(conn->exec_script("LISTEN " + std::string(kDispatchChannel)));
  conn_ = std::move(conn);
  return ok();
}

Result<FeedBatch> PgDispatchFeed::poll() {
  if (conn_ == nullptr) return make_error(ErrorCode::unavailable, "dispatch feed is not connected");
  MEND_ASSIGN_OR_RETURN(std::vector<std::string> payloads, conn_->take_notifications(kDispatchChannel));
  FeedBatch batch;
  std::set<std::string> hosts;
  for (const std::string& payload : payloads) {
    DispatchNotice n = decode_dispatch_notice(payload);
    if (n.origin == origin_) continue;
    ++batch.notifications;
    batch.all = batch.all || n.all;
    hosts.insert(n.hosts.begin(), n.hosts.end());
  }
  batch.hosts.assign(hosts.begin(), hosts.end());
  return batch;
}

}  // namespace mend::pg
