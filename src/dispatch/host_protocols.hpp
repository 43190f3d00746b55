#pragma once
// One kind of agent per host name. A native agent proves who it is (the agent
// token); an Ibex-protocol agent only says which host it is, and whoever acts
// for a host gets its scripts and stdin (secrets included) and reports its
// results. So an Ibex connection may act for a host only when
//   - the operator allowed that name for the Ibex protocol (--ibex-rpc-hosts,
//     glob patterns; the source address is checked by --ibex-rpc-allow),
//   - no native agent has attached for it on this server since it started
//     (connected now or not), and
//   - no native agent has ever served it: recorded in the store, so this holds
//     across restarts and for every server sharing a PostgreSQL database.
// A native agent always wins: its attach records the host as native and tells
// the Ibex listener (on_native) to close its connections for it; the Ibex
// listeners of other servers find out at their next recheck (now_native).
//
// Records are written in batches (one transaction for every attach since the
// last one), so ten thousand agents connecting at once cost a few commits.
// While the store is unavailable they are kept and written again later; the
// host is refused to Ibex agents on this server meanwhile.
//
// Threading: single-threaded, on the server's io_context thread; the store
// must outlive the io_context.
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/asio.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/store.hpp"

namespace mend {

class HostProtocols {
 public:
  // `ibex_patterns`: names or glob patterns (fnmatch: * ? [...]) an Ibex agent
  // may act for; empty allows none. Check each with check_ibex_pattern first.
  HostProtocols(asio::any_io_executor ex, Store& store, const Clock& clock, std::vector<std::string> ibex_patterns);

  // invalid_input for an empty pattern or one with control characters.
  static Result<void> check_ibex_pattern(std::string_view pattern);

  // A native agent attached `ident` on this server.
  void native_attached(const std::string& ident);
  // Whether a native agent attached `ident` on this server since it started.
  bool native_here(const std::string& ident) const { return native_.count(ident) > 0; }

  // Whether an Ibex connection may act for `ident` (a valid ident). Errors:
  // unauthorized with the reason (refuse the connection), unavailable when
  // the store cannot tell (ask the agent to retry).
  Result<void> ibex_may_serve(const std::string& ident);
  // Of `idents`, those a native agent has served, here or on another server
  // sharing the database (one store read). Errors: unavailable.
  Result<std::vector<std::string>> now_native(const std::vector<std::string>& idents);

  // Called with the ident each time a native agent attaches; one listener
  // (the Ibex listener), replaced by the next call, cleared with nullptr.
  void on_native(std::function<void(const std::string&)> listener) { listener_ = std::move(listener); }

  // Native hosts attached here and not yet in the store.
  size_t unrecorded() const { return state_->pending.size(); }

 private:
  bool ibex_allowed(const std::string& ident) const;

  struct State {
    explicit State(asio::any_io_executor ex) : retry(ex) {}
    std::vector<std::string> pending;
    bool posted = false;
    asio::steady_timer retry;
    std::chrono::milliseconds retry_delay{0};
  };
  static void flush(Store& store, const Clock& clock, const std::shared_ptr<State>& state);

  asio::any_io_executor ex_;
  Store& store_;
  const Clock& clock_;
  std::vector<std::string> ibex_patterns_;
  std::set<std::string> native_;
  std::function<void(const std::string&)> listener_;
  std::shared_ptr<State> state_;  // shared with a posted flush and the retry timer
};

}  // namespace mend
