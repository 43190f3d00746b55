#include "loadgen/sim_ibex_agent.hpp"

#include <array>

#include "common/log.hpp"

namespace mend::loadgen {

namespace {
auto tok(boost::system::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }
}  // namespace

SimIbexAgent::SimIbexAgent(asio::any_io_executor ex, tcp::endpoint server, std::string ident,
                           std::chrono::milliseconds phase, const IbexBehaviour& behaviour, IbexFleetStats& stats)
    : ex_(ex), server_(std::move(server)), ident_(std::move(ident)), phase_(phase), behaviour_(behaviour),
      stats_(stats), timer_(ex) {}

void SimIbexAgent::stop() {
  stopping_ = true;
  timer_.cancel();
  boost::system::error_code ec;
  if (socket_) socket_->close(ec);
}

awaitable<void> SimIbexAgent::run() {
  boost::system::error_code ec;
  timer_.expires_after(phase_);
  co_await timer_.async_wait(tok(ec));
  while (!stopping_) {
    tcp::socket socket(ex_);
    co_await socket.async_connect(server_, tok(ec));
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      socket_ = &socket;
      co_await serve(socket);
      socket_ = nullptr;
    } else {
      ++stats_.refusals;
      spdlog::debug("ibex agent {}: connect failed: {}", ident_, ec.message());
    }
    if (stopping_) break;
    timer_.expires_after(std::chrono::seconds(1));
    co_await timer_.async_wait(tok(ec));
  }
}

awaitable<void> SimIbexAgent::serve(tcp::socket& socket) {
  splitter_ = ibex_rpc::FrameSplitter();
  bool counted = false;
  boost::system::error_code ec;
  while (!stopping_) {
    const ibex_rpc::Call beat = heartbeat();
    std::optional<ibex_rpc::DecodedResponse> r = co_await call(socket, beat, ibex_rpc::ReplyKind::report);
    if (!r) break;
    auto* reply = std::get_if<ibex_rpc::ReportReply>(&r->reply);
    if (!r->error.empty() || !reply) {
      ++stats_.refusals;
      spdlog::warn("ibex agent {}: Report refused: {}", ident_, r->error);
      break;
    }
    ++stats_.reports;
    if (!counted) {
      counted = true;
      ++stats_.connected;
    }
    if (!reply->message.empty()) {
      // The Go agent skips the rest of the answer and reports again.
      ++stats_.refusals;
      spdlog::debug("ibex agent {}: {}", ident_, reply->message);
    } else if (!co_await on_reply(socket, *reply)) {
      break;
    }
    timer_.expires_after(behaviour_.poll);
    co_await timer_.async_wait(tok(ec));
  }
  if (counted) --stats_.connected;
  socket.close(ec);
}

ibex_rpc::ReportRequest SimIbexAgent::heartbeat() {
  ibex_rpc::ReportRequest req{ident_, {}};
  const auto now = std::chrono::steady_clock::now();
  for (auto& [id, t] : tasks_) {
    if (!t.status && now >= t.done_at) t.status = "success";
    if (!t.status) continue;  // still "running": not reported, as Ibex agents without live output
    if (!t.reported) {
      t.reported = true;
      ++stats_.results;
    }
    req.tasks.push_back(ibex_rpc::ReportTask{id, t.clock, *t.status,
                                             *t.status == "success" ? behaviour_.stdout_text : "", ""});
  }
  return req;
}

awaitable<bool> SimIbexAgent::on_reply(tcp::socket& socket, const ibex_rpc::ReportReply& reply) {
  std::set<int64_t> listed;
  for (const auto& a : reply.assign_tasks) listed.insert(a.id);
  // A finished task the server no longer lists is committed: forget it.
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->second.status && it->second.reported && !listed.count(it->first)) {
      ++stats_.settled;
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& a : reply.assign_tasks) {
    if (a.action == "kill") {
      auto t = tasks_.find(a.id);
      if (t != tasks_.end() && !t->second.status) {
        t->second.status = "killed";
        ++stats_.kills;
      }
      continue;
    }
    if (!ran_.insert({a.id, a.clock}).second) continue;
    ++stats_.starts;
    // The agent fetches the script before it runs it.
    const ibex_rpc::Call meta = ibex_rpc::TaskMetaRequest{a.id};
    std::optional<ibex_rpc::DecodedResponse> m = co_await call(socket, meta, ibex_rpc::ReplyKind::task_meta);
    if (!m) co_return false;
    auto* got = std::get_if<ibex_rpc::TaskMetaReply>(&m->reply);
    if (!m->error.empty() || !got || !got->message.empty()) {
      ++stats_.refusals;
      spdlog::warn("ibex agent {}: GetTaskMeta {} refused: {}", ident_, a.id, got ? got->message : m->error);
      continue;
    }
    ++stats_.metas;
    tasks_[a.id] = Task{a.clock, std::chrono::steady_clock::now() + behaviour_.exec_time, std::nullopt, false};
  }
  co_return true;
}

awaitable<std::optional<ibex_rpc::DecodedResponse>> SimIbexAgent::call(tcp::socket& socket,
                                                                        const ibex_rpc::Call& c,
                                                                        ibex_rpc::ReplyKind kind) {
  const uint32_t msgid = next_msgid_++;
  const std::string frame = ibex_rpc::encode_request(msgid, c);
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(frame), tok(ec));
  if (ec) co_return std::nullopt;
  // A watchdog: an answer that does not come within io_timeout drops the connection.
  asio::steady_timer watchdog(ex_);
  watchdog.expires_after(behaviour_.io_timeout);
  watchdog.async_wait([&socket](const boost::system::error_code& e) {
    boost::system::error_code ignored;
    if (!e) socket.close(ignored);
  });
  std::array<char, 16 * 1024> chunk;
  for (;;) {
    auto next = splitter_.next();
    if (!next.ok()) co_return std::nullopt;
    if (next->has_value()) {
      watchdog.cancel();
      auto r = ibex_rpc::decode_response(**next, kind);
      if (!r.ok() || r->msgid != msgid) {
        spdlog::warn("ibex agent {}: bad answer: {}", ident_, r.ok() ? "wrong msgid" : r.error().message);
        co_return std::nullopt;
      }
      co_return std::move(r).value();
    }
    size_t n = co_await socket.async_read_some(asio::buffer(chunk), tok(ec));
    if (ec) {
      watchdog.cancel();
      if (!stopping_) ++stats_.refusals;
      co_return std::nullopt;
    }
    splitter_.append(std::string_view(chunk.data(), n));
  }
}

}  // namespace mend::loadgen
