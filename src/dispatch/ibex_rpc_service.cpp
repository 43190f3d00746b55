#include "dispatch/ibex_rpc_service.hpp"

#include "common/log.hpp"
#include "dispatch/agent_hello.hpp"
#include "proto/ibex_rpc_codec.hpp"
#include "store/host_states.hpp"

namespace mend {

namespace {

constexpr const char* kNotAssigned = "task not assigned to this host";

// Ibex agents report a task every heartbeat while it runs or is being killed
// only when built with live output; neither is a result. A status nobody
// knows is passed on, for the engine to refuse as a result.
bool is_final(std::string_view status) {
  auto known = parse_host_status(status);
  return !known || !is_busy(*known);
}

IbexReplyPlan refuse(uint32_t msgid, const std::string& message) {
  return IbexReplyPlan{ibex_rpc::encode_error_reply(msgid, message), true, {}};
}

}  // namespace

awaitable<IbexReplyPlan> IbexRpcService::handle(IbexConnection& conn, std::string_view frame) {
  auto req = ibex_rpc::decode_request(frame);
  if (!req.ok()) {
    spdlog::warn("ibex-rpc {} ident={}: closing: {}", conn.remote, conn.ident, req.error().message);
    co_return IbexReplyPlan{"", true, {}};
  }
  if (!req->call.ok()) {
    const Error& e = req->call.error();
    // Go's net/rpc answers an unknown method and serves on; a malformed
    // argument means a peer we do not understand, so we stop listening to it.
    bool close = e.code != ErrorCode::not_found;
    spdlog::warn("ibex-rpc {} ident={}: {}{}", conn.remote, conn.ident, e.message,
                 close ? " (closing)" : "");
    co_return IbexReplyPlan{ibex_rpc::encode_error_reply(req->msgid, e.message), close, {}};
  }
  const ibex_rpc::Call& call = *req->call;
  if (std::holds_alternative<ibex_rpc::PingRequest>(call))
    co_return IbexReplyPlan{ibex_rpc::encode_reply(req->msgid, ibex_rpc::PingReply{}), false, {}};
  if (auto* r = std::get_if<ibex_rpc::ReportRequest>(&call)) {
    IbexReplyPlan plan = co_await report(conn, req->msgid, *r);
    co_return plan;
  }
  co_return task_meta(conn, req->msgid, std::get<ibex_rpc::TaskMetaRequest>(call).task_id);
}

Result<void> IbexRpcService::bind(IbexConnection& conn, const std::string& ident) {
  MEND_TRY(protocols_.ibex_may_serve(ident));
  MEND_TRY(book_.attach(ident, [&] { return engine_.pending_for_host(ident); }));
  conn.ident = ident;
  int64_t now = clock_.now_ms();
  Agent& a = agents_[ident];
  if (a.connections++ == 0) a.connected_ms = now;
  a.remote = conn.remote;
  a.last_seen_ms = now;
  spdlog::info("ibex-rpc {}: agent {} connected", conn.remote, ident);
  return ok();
}

awaitable<void> IbexRpcService::apply_results(const std::string& ident, const ibex_rpc::ReportRequest& req,
                                              std::string& message) {
  std::vector<const ibex_rpc::ReportTask*> finished;
  std::vector<AgentReport> reports;
  for (const auto& t : req.tasks) {
    if (!is_final(t.status)) continue;
    auto outcome = proto::parse_run_outcome(t.status);
    if (!outcome) {
      spdlog::warn("ibex-rpc agent {}: result task={} clock={} refused: status '{}' is not a final status", ident,
                   t.id, t.clock, t.status);
      continue;
    }
    proto::ResultMsg m;
    m.dispatch_id = t.clock;
    m.task_id = t.id;
    m.status = *outcome;
    m.stdout_text = t.stdout_text;
    m.stderr_text = t.stderr_text;
    finished.push_back(&t);
    reports.push_back(AgentReport{ident, std::move(m)});
  }
  if (reports.empty()) co_return;
  std::vector<Result<ResultOutcome>> outcomes =
      co_await batcher_.async_submit(std::move(reports), asio::use_awaitable);
  for (size_t i = 0; i < finished.size(); ++i) {
    const ibex_rpc::ReportTask& t = *finished[i];
    const Result<ResultOutcome>& r = outcomes[i];
    if (r.ok()) {
      // Applied, a repeat, or an old clock: either way the agent may forget it,
      // which it does once the next reply stops listing the task.
      book_.settle(ident, t.id, t.clock);
      if (*r != ResultOutcome::applied)
        spdlog::debug("ibex-rpc agent {}: result task={} clock={} {} ignored", ident, t.id, t.clock,
                      *r == ResultOutcome::duplicate ? "duplicate" : "stale");
      continue;
    }
    if (r.error().code == ErrorCode::unavailable) {
      // A non-empty Message makes the agent keep all its local tasks and
      // report them again next heartbeat.
      message = "mend: cannot record results now, report again: " + r.error().message;
      spdlog::warn("ibex-rpc agent {}: result task={} clock={} not recorded: {}", ident, t.id,
                   t.clock, r.error().message);
      continue;
    }
    spdlog::warn("ibex-rpc agent {}: result task={} clock={} status={} refused: {}", ident, t.id,
                 t.clock, t.status, r.error().message);
  }
}

IbexReplyPlan IbexRpcService::native_took_over(const IbexConnection& conn, uint32_t msgid) {
  spdlog::warn("ibex-rpc {}: agent {} refused (closing): a native agent serves this host", conn.remote, conn.ident);
  return refuse(msgid, "mend: " + conn.ident + " is served by a native agent");
}

std::optional<IbexReplyPlan> IbexRpcService::admit(IbexConnection& conn, uint32_t msgid,
                                                   const ibex_rpc::ReportRequest& req) {
  if (req.ident.empty()) {
    spdlog::warn("ibex-rpc {}: Report without Ident (closing)", conn.remote);
    return refuse(msgid, "Ident is empty");
  }
  if (req.ident.size() > kMaxIdentBytes) {
    spdlog::warn("ibex-rpc {}: Report with a {}-byte Ident (closing)", conn.remote,
                 req.ident.size());
    return refuse(msgid, "Ident is longer than " + std::to_string(kMaxIdentBytes) + " bytes");
  }
  if (!valid_ident(req.ident)) {
    spdlog::warn("ibex-rpc {}: Report with a control character in its Ident (closing)", conn.remote);
    return refuse(msgid, "Ident has a control character");
  }
  if (conn.ident.empty()) {
    if (auto b = bind(conn, req.ident); !b.ok()) {
      if (b.error().code == ErrorCode::unauthorized) {
        spdlog::warn("ibex-rpc {}: Report as {} refused (closing): {}", conn.remote, req.ident,
                     b.error().message);
        return refuse(msgid, "mend: " + req.ident + ": " + b.error().message);
      }
      spdlog::warn("ibex-rpc {}: cannot load assignments of {}: {}", conn.remote, req.ident,
                   b.error().message);
      ibex_rpc::ReportReply busy{"mend: server busy, try again: " + b.error().message, {}};
      return IbexReplyPlan{ibex_rpc::encode_reply(msgid, busy), false, {}};
    }
  } else if (conn.ident != req.ident) {
    spdlog::warn("ibex-rpc {}: connection of agent {} reported as {} (closing)", conn.remote,
                 conn.ident, req.ident);
    return refuse(msgid, "this connection reports for " + conn.ident + ", not " + req.ident);
  }
  if (protocols_.native_here(conn.ident)) return native_took_over(conn, msgid);
  if (auto a = agents_.find(conn.ident); a != agents_.end())
    a->second.last_seen_ms = clock_.now_ms();
  return std::nullopt;
}

awaitable<IbexReplyPlan> IbexRpcService::report(IbexConnection& conn, uint32_t msgid,
                                                const ibex_rpc::ReportRequest& req) {
  if (std::optional<IbexReplyPlan> answer = admit(conn, msgid, req)) co_return std::move(*answer);
  ibex_rpc::ReportReply reply;
  co_await apply_results(conn.ident, req, reply.message);

  IbexReplyPlan plan;
  for (const IbexWanted& w : book_.wanted(conn.ident)) {
    reply.assign_tasks.push_back(
        ibex_rpc::AssignTask{w.task_id, w.dispatch_id, w.kill ? "kill" : "start"});
    if (!w.kill && !w.handed_out) plan.starts.emplace_back(w.task_id, w.dispatch_id);
  }
  plan.frame = ibex_rpc::encode_reply(msgid, reply);
  co_return plan;
}

IbexReplyPlan IbexRpcService::task_meta(const IbexConnection& conn, uint32_t msgid,
                                        int64_t task_id) {
  ibex_rpc::TaskMetaReply reply;
  // Ibex answers failures in Message (the agent logs it and keeps its
  // connection), so refusals travel the same way.
  auto answer = [&] { return IbexReplyPlan{ibex_rpc::encode_reply(msgid, reply), false, {}}; };
  // Closing a connection whose host a native agent took is not instant: a
  // request already read must not get the host's script.
  if (!conn.ident.empty() && protocols_.native_here(conn.ident)) return native_took_over(conn, msgid);
  auto wanted = conn.ident.empty() ? std::nullopt : book_.find(conn.ident, task_id);
  if (!wanted) {
    spdlog::warn("ibex-rpc {} ident={}: GetTaskMeta {} refused: {}", conn.remote, conn.ident,
                 task_id, kNotAssigned);
    reply.message = kNotAssigned;
    return answer();
  }
  std::optional<OpenDispatch> open;
  auto r = store_.read([&](StoreTx& tx) -> Result<void> {
    MEND_ASSIGN_OR_RETURN(open, tx.open_dispatch(wanted->dispatch_id));
    return ok();
  });
  if (!r.ok()) {
    reply.message = "mend: cannot read task " + std::to_string(task_id) + ": " + r.error().message;
    return answer();
  }
  if (!open || open->dispatch.host != conn.ident || open->dispatch.task_id != task_id) {
    reply.message = kNotAssigned;
    return answer();
  }
  reply.script = open->script;
  reply.args = open->args;
  reply.account = open->account;
  reply.stdin_text = open->stdin_text;
  return answer();
}

void IbexRpcService::after_reply_sent(const IbexConnection& conn, const IbexReplyPlan& plan) {
  for (auto [task_id, dispatch_id] : plan.starts) {
    // The book may have moved on while the reply was written (a kill, a redo).
    if (!book_.mark_handed_out(conn.ident, task_id, dispatch_id)) continue;
    batcher_.submit(AgentReport{conn.ident, proto::Started{dispatch_id}},
                    [ident = conn.ident, task_id, dispatch_id](const Result<ResultOutcome>& r) {
                      if (!r.ok())
                        spdlog::warn("ibex-rpc agent {}: cannot record start of task={} clock={}: {}", ident,
                                     task_id, dispatch_id, r.error().message);
                    });
  }
}

void IbexRpcService::closed(const IbexConnection& conn) {
  if (conn.ident.empty()) return;
  book_.detach(conn.ident);
  auto a = agents_.find(conn.ident);
  if (a != agents_.end() && --a->second.connections <= 0) {
    agents_.erase(a);
    spdlog::info("ibex-rpc {}: agent {} disconnected", conn.remote, conn.ident);
  }
}

std::vector<AgentInfo> IbexRpcService::list() const {
  std::vector<AgentInfo> out;
  out.reserve(agents_.size());
  for (const auto& [ident, a] : agents_)
    out.push_back(AgentInfo{ident, "ibex", a.remote, a.connected_ms, a.last_seen_ms});
  return out;
}

}  // namespace mend
