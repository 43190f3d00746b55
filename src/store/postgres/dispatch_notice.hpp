#pragma once
// The payload of the NOTIFY a transaction sends when it gave hosts new
// assignments or kills (StoreTx::notify_peers), and its reading on the other
// servers' DispatchFeeds.
//
//   mend1 ORIGIN\nhost1\nhost2...      or      mend1 ORIGIN\n*
//
// ORIGIN names the sending PgStore, so a server skips its own notices (it has
// pushed those already). "*" stands for "check every host": used when the
// list would not fit PostgreSQL's 8000-byte payload limit, or a host name
// holds a newline.
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mend::pg {

inline constexpr std::string_view kDispatchChannel = "mend_dispatch";
// PostgreSQL refuses payloads of 8000 bytes or more.
inline constexpr size_t kMaxNoticeBytes = 7900;

std::string encode_dispatch_notice(std::string_view origin, const std::set<std::string>& hosts);

struct DispatchNotice {
  std::string origin;
  std::vector<std::string> hosts;
  bool all = false;
};
// A payload that is not ours in this format reads as "check every host" from
// an unknown origin: a missed notice costs a delay, a misread one nothing.
DispatchNotice decode_dispatch_notice(std::string_view payload);

// A random name for one PgStore, for ORIGIN.
std::string new_notice_origin();

}  // namespace mend::pg
