#include "agent/supervisor.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <deque>
#include <iostream>

#include "agent/child_reaper.hpp"
#include "agent/dispatch_lock.hpp"
#include "agent/spool.hpp"
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
    spdlog::error("dispatch {}: cannot open spool: {}", o.dispatch_id, spool.error().message);
    return 1;
  }
  const auto dir = spool->dispatch_dir(o.dispatch_id);
  // Held until this process exits: while it is held the agent knows the
  // script's outcome will be written here.
  auto lock = o.lock_fd >= 0 ? Result<DispatchLock>(DispatchLock::adopt(o.lock_fd)) : DispatchLock::acquire(dir);
  if (!lock) {
    spdlog::error("dispatch {}: {}", o.dispatch_id, lock.error().message);
    return 1;
  }
  // The agent writes one byte once it has recorded the dispatch. EOF without
  // it means the agent died first: run the dispatch only if the record made
  // it to disk, and make that record durable before running.
  char go = 0;
  ssize_t n = 0;
  do {
    n = ::read(STDIN_FILENO, &go, 1);
  } while (n < 0 && errno == EINTR);
  const bool agent_said_go = n == 1;
  switch (spool->state(o.dispatch_id)) {
    case DispatchState::recorded:
      break;
    case DispatchState::unknown:
      spdlog::info("dispatch {} was never recorded; not running it", o.dispatch_id);
      return 0;
    default:
      // A restarted agent reported it lost before we took the lock (only
      // possible without --lock-fd), or it finished long ago.
      spdlog::warn("dispatch {} already has a result; not running it", o.dispatch_id);
      return 0;
  }
  if (!agent_said_go) {
    spdlog::warn("dispatch {}: the agent died after recording it; running it anyway", o.dispatch_id);
    if (auto s = spool->sync_record(o.dispatch_id); !s) {
      spdlog::error("dispatch {}: cannot make its record durable, not running it: {}", o.dispatch_id, s.error().message);
      return 1;
    }
  }
  auto assign = spool->load_assign(o.dispatch_id);
  if (!assign) {
    spdlog::error("dispatch {}: {}", o.dispatch_id, assign.error().message);
    return 1;
  }
  (void)write_file_durably(dir / "supervisor.pid", std::to_string(::getpid()));

  asio::io_context io(1);
  ChildReaper reaper(io.get_executor());
  EventWriter events(io.get_executor(), STDOUT_FILENO);
  auto exec = std::make_shared<Execution>(
      io.get_executor(), reaper, *assign, spool->script_path(o.dispatch_id), o.exec,
      [&](const proto::Started& s) { events.send(s); },
      [&](const proto::Output& out) { events.send(out); });
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
      spdlog::error("dispatch {}: cannot spool the result: {}", o.dispatch_id, w.error().message);
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
  std::vector<std::string> args = {"supervise",
          "--spool", o.spool_dir.string(),
          "--dispatch", std::to_string(o.dispatch_id),
          "--ident", o.exec.ident,
          "--output-limit", std::to_string(o.exec.output_limit),
          "--kill-grace-ms", std::to_string(o.exec.kill_grace.count()),
          "--log-level", o.log_level};
  if (o.lock_fd >= 0) {
    args.push_back("--lock-fd");
    args.push_back(std::to_string(o.lock_fd));
  }
  return args;
}

Result<SupervisorOptions> parse_supervisor_args(const std::vector<std::string>& args) {
  SupervisorOptions o;
  bool have_spool = false;
  bool have_dispatch = false;
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& name = args[i];
    if (i + 1 >= args.size()) return make_error(ErrorCode::invalid_input, name + " needs a value");
    const std::string& value = args[i + 1];
    int64_t n = 0;
    if (name == "--spool") {
      o.spool_dir = value;
      have_spool = !value.empty();
    } else if (name == "--dispatch") {
      if (!parse_int(value, n) || n <= 0) return make_error(ErrorCode::invalid_input, "bad --dispatch '" + value + "'");
      o.dispatch_id = n;
      have_dispatch = true;
    } else if (name == "--ident") {
      o.exec.ident = value;
    } else if (name == "--output-limit") {
      if (!parse_int(value, n) || n < 64) return make_error(ErrorCode::invalid_input, "bad --output-limit '" + value + "'");
      o.exec.output_limit = static_cast<size_t>(n);
    } else if (name == "--kill-grace-ms") {
      if (!parse_int(value, n) || n < 0) return make_error(ErrorCode::invalid_input, "bad --kill-grace-ms '" + value + "'");
      o.exec.kill_grace = std::chrono::milliseconds(n);
    } else if (name == "--lock-fd") {
      if (!parse_int(value, n) || n < 3 || n > 1024) return make_error(ErrorCode::invalid_input, "bad --lock-fd '" + value + "'");
      o.lock_fd = static_cast<int>(n);
    } else if (name == "--log-level") {
      o.log_level = value;
    } else {
      return make_error(ErrorCode::invalid_input, "unknown option '" + name + "'");
    }
  }
  if (!have_spool || !have_dispatch)
    return make_error(ErrorCode::invalid_input, "--spool and --dispatch are required");
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
