#include "agent/supervisor.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <deque>
#include <fstream>
#include <iostream>

#include "agent/account.hpp"
#include "agent/child_reaper.hpp"
#include "agent/dispatch_lock.hpp"
#include "agent/spool.hpp"
#include "agent/supervisor_channel.hpp"
#include "agent/trace_point.hpp"
#include "common/log.hpp"

namespace mend::agent {

namespace {

bool parse_int(const std::string& text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Sends events to the agent without ever blocking the script: writes are
// asynchronous, a newer Output replaces one still queued, and once the agent
// is gone (EPIPE) events are dropped. The result itself goes to the spool.
class EventWriter {
 public:
  EventWriter(asio::any_io_executor ex, int fd) : sd_(ex, ::dup(fd)) {}

  void send(const proto::Message& m) {
    if (broken_) return;
    const bool is_output = std::holds_alternative<proto::Output>(m);
    std::string line = proto::encode(m) + "\n";
    // The front entry may be on the wire; only a later queued Output is replaced.
    if (is_output && queue_.size() >= 2 && queue_.back().second) {
      queue_.back().first = std::move(line);
    } else {
      queue_.emplace_back(std::move(line), is_output);
    }
    if (!writing_) write_front();
  }

  void close() {
    boost::system::error_code ec;
    sd_.close(ec);
  }

 private:
  void write_front() {
    writing_ = true;
    asio::async_write(sd_, asio::buffer(queue_.front().first),
                      [this](const boost::system::error_code& ec, size_t) {
                        queue_.pop_front();
                        if (ec) {
                          broken_ = true;
                          queue_.clear();
                        }
                        if (queue_.empty()) {
                          writing_ = false;
                          return;
                        }
                        write_front();
                      });
  }

  asio::posix::stream_descriptor sd_;
  std::deque<std::pair<std::string, bool>> queue_;  // line, is an Output
  bool writing_ = false;
  bool broken_ = false;
};

int supervise(const SupervisorOptions& o) {
  auto spool = Spool::open(o.spool_dir);
  if (!spool) {
    spdlog::error("cannot open spool: {}", spool.error().message);
    return 1;
  }
  // Warm up while idle: the first user-database lookup of a process loads
  // the NSS modules, which would otherwise delay the first script; the
  // agent's own account is then known without a lookup.
  warm_account_lookup();
  asio::io_context io(1);
  ChildReaper reaper(io.get_executor());
  EventWriter events(io.get_executor(), STDOUT_FILENO);
  // Idle until the agent hands over a dispatch with its lock, held from then
  // until this process exits: while it is held the agent knows the outcome
  // will be written here.
  auto assignment = receive_assignment(o.control_fd);
  if (!assignment) {
    spdlog::error("{}", assignment.error().message);
    return 1;
  }
  if (!assignment->has_value()) return 0;  // the agent left, or retired this spare
  const int64_t id = (*assignment)->dispatch_id;
  DispatchLock lock = DispatchLock::adopt((*assignment)->lock_fd);
  trace_point(id, "supervisor has the assignment");
  const auto dir = spool->dispatch_dir(id);
  auto decoded = proto::decode((*assignment)->payload);
  if (!decoded || !std::holds_alternative<proto::Assign>(*decoded)) {
    spdlog::error("dispatch {}: the agent sent no assignment", id);
    return 1;
  }
  const auto& assign = std::get<proto::Assign>(*decoded);
  auto exec = std::make_shared<Execution>(
      io.get_executor(), reaper, assign, spool->script_path(id), o.exec,
      [&](const proto::Started& s) { events.send(s); },
      [&](const proto::Output& out) { events.send(out); });
  // While the agent makes the record durable: account, script file. A
  // failure here is reported by run() as the dispatch's result.
  (void)exec->prepare();
  // Advisory (for a kill after adoption; the lock is what counts): no fsync.
  {
    std::ofstream pid_file(dir / "supervisor.pid", std::ios::trunc);
    pid_file << ::getpid() << "\n";
  }
  trace_point(id, "supervisor prepared the script");

  // The agent sends "go" once it has recorded the dispatch. EOF without it
  // means the agent died first: run the dispatch only if the record made it
  // to disk, and make that record durable before running.
  const bool agent_said_go = wait_for_go(o.control_fd);
  ::close(o.control_fd);
  trace_point(id, agent_said_go ? "supervisor got go" : "supervisor got EOF");
  if (!agent_said_go) {
    if (auto r = spool->reload_records(); !r) {
      spdlog::error("dispatch {}: cannot read the records, not running it: {}", id, r.error().message);
      return 1;
    }
    switch (spool->state(id)) {
      case DispatchState::recorded:
        break;
      case DispatchState::unknown:
        spdlog::info("dispatch {} was never recorded; not running it", id);
        return 0;
      default:
        spdlog::warn("dispatch {} already has a result; not running it", id);
        return 0;
    }
    spdlog::warn("dispatch {}: the agent died after recording it; running it anyway", id);
    if (auto s = spool->sync_record(id); !s) {
      spdlog::error("dispatch {}: cannot make its record durable, not running it: {}", id, s.error().message);
      return 1;
    }
  }
  // With go, the agent recorded it (durably) and found it new: no disk check
  // on the way to the script.

  asio::signal_set kill_signals(io, SIGTERM, SIGINT);
  std::function<void()> arm_kill = [&] {
    kill_signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      exec->kill();
      arm_kill();
    });
  };
  arm_kill();

  int status = 1;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    proto::ResultMsg r = co_await exec->run();
    if (auto w = spool->write_result(r); w) {
      status = 0;
    } else {
      spdlog::error("dispatch {}: cannot spool the result: {}", id, w.error().message);
    }
    boost::system::error_code ec;
    kill_signals.cancel(ec);
    reaper.stop();
    events.close();
  }, asio::detached);
  io.run();
  return status;
}

}  // namespace

std::vector<std::string> supervisor_args(const SupervisorOptions& o) {
  return {"supervise",
          "--spool", o.spool_dir.string(),
          "--control-fd", std::to_string(o.control_fd),
          "--ident", o.exec.ident,
          "--output-limit", std::to_string(o.exec.output_limit),
          "--kill-grace-ms", std::to_string(o.exec.kill_grace.count()),
          "--log-level", o.log_level};
}

Result<SupervisorOptions> parse_supervisor_args(const std::vector<std::string>& args) {
  SupervisorOptions o;
  bool have_spool = false;
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& name = args[i];
    if (i + 1 >= args.size()) return make_error(ErrorCode::invalid_input, name + " needs a value");
    const std::string& value = args[i + 1];
    int64_t n = 0;
    if (name == "--spool") {
      o.spool_dir = value;
      have_spool = !value.empty();
    } else if (name == "--control-fd") {
      if (!parse_int(value, n) || n < 3 || n > 1024) return make_error(ErrorCode::invalid_input, "bad --control-fd '" + value + "'");
      o.control_fd = static_cast<int>(n);
    } else if (name == "--ident") {
      o.exec.ident = value;
    } else if (name == "--output-limit") {
      if (!parse_int(value, n) || n < 64) return make_error(ErrorCode::invalid_input, "bad --output-limit '" + value + "'");
      o.exec.output_limit = static_cast<size_t>(n);
    } else if (name == "--kill-grace-ms") {
      if (!parse_int(value, n) || n < 0) return make_error(ErrorCode::invalid_input, "bad --kill-grace-ms '" + value + "'");
      o.exec.kill_grace = std::chrono::milliseconds(n);
    } else if (name == "--log-level") {
      o.log_level = value;
    } else {
      return make_error(ErrorCode::invalid_input, "unknown option '" + name + "'");
    }
  }
  if (!have_spool) return make_error(ErrorCode::invalid_input, "--spool is required");
  return o;
}

int supervisor_main(const std::vector<std::string>& args) {
  // Writing to the agent's pipe after the agent died must give EPIPE, not kill us.
  ::signal(SIGPIPE, SIG_IGN);
  auto o = parse_supervisor_args(args);
  if (!o) {
    std::cerr << "mend-agent supervise: " << o.error().message << "\n";
    return 2;
  }
  if (!setup_logging(o->log_level, "mend-agent-supervise")) {
    std::cerr << "mend-agent supervise: unknown --log-level '" << o->log_level << "'\n";
    return 2;
  }
  return supervise(*o);
}

}  // namespace mend::agent
