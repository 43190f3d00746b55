#include "agent/supervised_run.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "agent/dispatch_lock.hpp"
#include "agent/process.hpp"
#include "agent/supervisor_channel.hpp"
#include "common/log.hpp"

extern char** environ;

namespace mend::agent {

namespace {

using Clock = std::chrono::steady_clock;

proto::ResultMsg failed(int64_t dispatch_id, int64_t task_id, const std::string& message) {
  proto::ResultMsg r;
  r.dispatch_id = dispatch_id;
  r.task_id = task_id;
  r.status = proto::RunOutcome::failed;
  r.message = message;
  r.stderr_text = message;
  return r;
}

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

// The supervisor of a dispatch, from its pid file; -1 when unreadable.
pid_t read_supervisor_pid(const std::filesystem::path& dispatch_dir) {
  std::ifstream in(dispatch_dir / "supervisor.pid");
  std::string text;
  if (!(in >> text)) return -1;
  int64_t pid = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || pid <= 1) return -1;
  return static_cast<pid_t>(pid);
}

}  // namespace

SupervisedRun::SupervisedRun(asio::any_io_executor ex, ChildReaper& reaper, Spool& spool,
                             std::string exe, SupervisorOptions opts, StartedFn on_started,
                             OutputFn on_output, ProcessRunner& runner)
    : ex_(ex),
      reaper_(reaper),
      runner_(runner),
      spool_(spool),
      exe_(std::move(exe)),
      opts_(std::move(opts)),
      on_started_(std::move(on_started)),
      on_output_(std::move(on_output)),
      wake_(ex) {}

void SupervisedRun::wake() { wake_.cancel(); }

void SupervisedRun::kill() {
  kill_requested_ = true;
  // Before Started the supervisor may not handle SIGTERM yet; on_event sends it then.
  if (started_ && !exited_) ::kill(pid_, SIGTERM);
}

void SupervisedRun::on_event(std::string_view line) {
  auto m = proto::decode(line);
  if (!m) {
    spdlog::warn("dispatch {}: bad line from supervisor ignored", dispatch_id_);
    return;
  }
  if (auto* s = std::get_if<proto::Started>(&*m)) {
    started_ = true;
    if (on_started_) on_started_(*s);
    if (kill_requested_ && !exited_) ::kill(pid_, SIGTERM);
  } else if (auto* o = std::get_if<proto::Output>(&*m)) {
    if (on_output_) on_output_(*o);
  }
}

awaitable<void> SupervisedRun::read_events(std::shared_ptr<asio::posix::stream_descriptor> sd) {
  auto self = shared_from_this();
  std::string buffer;
  while (true) {
    boost::system::error_code ec;
    size_t n = co_await asio::async_read_until(*sd, asio::dynamic_buffer(buffer), '\n',
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    on_event(std::string_view(buffer.data(), n - 1));
    buffer.erase(0, n);
  }
  --readers_open_;
  wake();
}

awaitable<void> SupervisedRun::relay_log(std::shared_ptr<asio::posix::stream_descriptor> sd) {
  auto self = shared_from_this();
  std::string buffer;
  while (true) {
    boost::system::error_code ec;
    size_t n = co_await asio::async_read_until(*sd, asio::dynamic_buffer(buffer, 1 << 20), '\n',
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    spdlog::info("[supervisor {}] {}", dispatch_id_, std::string_view(buffer.data(), n - 1));
    buffer.erase(0, n);
  }
  --readers_open_;
  wake();
}

Result<void> SupervisedRun::launch() {
  auto self = shared_from_this();
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return make_error(ErrorCode::unavailable, std::string("socketpair: ") + std::strerror(errno));
  SpawnRequest req;
  req.path = exe_;
  req.argv = {exe_};
  req.inherit_fd = pair[1];  // the supervisor's fd 3
  opts_.control_fd = 3;
  for (auto& a : supervisor_args(opts_)) req.argv.push_back(std::move(a));
  req.env = current_environment();
  // A spare starts ahead of time: resolve every symbol then, not lazily on
  // the way from an assignment to its script.
  req.env.push_back("LD_BIND_NOW=1");
  req.account.switch_user = false;
  req.cwd = spool_.dir().string();
  auto spawned = runner_.spawn(req);
  ::close(pair[1]);
  if (!spawned) {
    ::close(pair[0]);
    return make_error(ErrorCode::unavailable, "cannot start a script supervisor: " + spawned.error().message);
  }
  control_fd_ = pair[0];
  ::close(spawned->stdin_fd);
  pid_ = spawned->pid;
  reaper_.watch(pid_, [self](int status) {
    self->exited_ = true;
    self->wait_status_ = status;
    self->wake();
  });
  events_ = std::make_shared<asio::posix::stream_descriptor>(ex_, spawned->stdout_fd);
  log_ = std::make_shared<asio::posix::stream_descriptor>(ex_, spawned->stderr_fd);
  readers_open_ = 2;
  asio::co_spawn(ex_, read_events(events_), asio::detached);
  asio::co_spawn(ex_, relay_log(log_), asio::detached);
  return ok();
}

Result<void> SupervisedRun::assign(const proto::Assign& a, DispatchLock lock) {
  if (!alive() || control_fd_ < 0) return make_error(ErrorCode::unavailable, "the spare supervisor is gone");
  // The descriptor travels with the message; once sent, our copy can go (the
  // lock stays held by the one in flight, then by the supervisor).
  MEND_TRY(send_assignment(control_fd_, a.dispatch_id, lock.fd(), proto::encode(a)));
  dispatch_id_ = a.dispatch_id;
  task_id_ = a.task_id;
  return ok();
}

void SupervisedRun::abandon() {
  if (control_fd_ >= 0) ::close(control_fd_);
  control_fd_ = -1;
}

awaitable<proto::ResultMsg> SupervisedRun::run() {
  auto self = shared_from_this();
  if (control_fd_ >= 0) {
    if (auto go = send_go(control_fd_); !go)
      spdlog::warn("dispatch {}: cannot signal the supervisor: {}", dispatch_id_, go.error().message);
    abandon();
  }
  while (!exited_ || readers_open_ > 0) {
    wake_.expires_after(std::chrono::seconds(exited_ ? 2 : 3600));
    boost::system::error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && exited_) break;  // pipes held open after exit: stop waiting on them
  }
  boost::system::error_code ec;
  events_->close(ec);
  log_->close(ec);

  if (WIFEXITED(wait_status_) && WEXITSTATUS(wait_status_) == 2) {
    co_return failed(dispatch_id_, task_id_, "the script's supervisor refused its arguments");
  }
  auto r = spool_.result_or_lost(dispatch_id_, kSupervisorLostMessage);
  if (!r) co_return failed(dispatch_id_, task_id_, "cannot read the result: " + r.error().message);
  result_spooled_ = true;
  if (r->status == proto::RunOutcome::lost) {
    spdlog::error("dispatch {}: supervisor ended (wait status {}) without a result", dispatch_id_,
                  wait_status_);
  }
  co_return *r;
}

AdoptedRun::AdoptedRun(asio::any_io_executor ex, Spool& spool, int64_t dispatch_id,
                       std::chrono::milliseconds poll)
    : spool_(spool), dispatch_id_(dispatch_id), poll_(poll), timer_(ex) {}

awaitable<proto::ResultMsg> AdoptedRun::run() {
  auto self = shared_from_this();
  const auto dir = spool_.dispatch_dir(dispatch_id_);
  spdlog::info("dispatch {}: adopted its running supervisor", dispatch_id_);
  // The supervisor is not our child, so no SIGCHLD: poll its lock.
  while (supervisor_alive(dir)) {
    timer_.expires_after(poll_);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  auto r = spool_.result_or_lost(dispatch_id_, kSupervisorLostMessage);
  if (!r) {
    proto::ResultMsg lost;
    lost.dispatch_id = dispatch_id_;
    lost.status = proto::RunOutcome::lost;
    lost.message = "cannot read the adopted dispatch's result: " + r.error().message;
    lost.stderr_text = lost.message;
    co_return lost;
  }
  co_return *r;
}

void AdoptedRun::kill() {
  const auto dir = spool_.dispatch_dir(dispatch_id_);
  pid_t pid = read_supervisor_pid(dir);
  // Only while the lock is held: after that the pid may belong to someone else.
  if (pid > 0 && supervisor_alive(dir)) ::kill(pid, SIGTERM);
}

}  // namespace mend::agent
