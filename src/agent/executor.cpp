#include "agent/executor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "agent/args.hpp"
#include "agent/file_io.hpp"
#include "agent/process.hpp"
#include "common/log.hpp"

namespace mend::agent {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool is_safe_env_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  // Only Mend's own namespace, minus the variables the agent itself sets.
  if (name.rfind("MEND_", 0) != 0) return false;
  return name != "MEND_TASK_ID" && name != "MEND_HOST" && name != "MEND_DISPATCH_ID";
}

std::vector<std::string> script_env(const Account& acct, const proto::Assign& a,
                                    const std::string& ident) {
  const char* path = acct.uid == 0 ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                                   : "/usr/local/bin:/usr/bin:/bin";
  std::vector<std::string> env = {
      std::string("PATH=") + path,
      "HOME=" + acct.home,
      "USER=" + acct.name,
      "LOGNAME=" + acct.name,
      "SHELL=" + acct.shell,
      "MEND_TASK_ID=" + std::to_string(a.task_id),
      "MEND_HOST=" + ident,
      "MEND_DISPATCH_ID=" + std::to_string(a.dispatch_id),
  };
  // Extra variables from the server (MEND_ALERT_* for a remediation). Only
  // plain names, and never ones that would change how the script is found or
  // who it is: an alert label must not become LD_PRELOAD or PATH.
  for (const auto& [name, value] : a.env) {
    if (!is_safe_env_name(name)) {
      spdlog::warn("dispatch {}: ignoring environment variable with unsafe name '{}'", a.dispatch_id, name);
      continue;
    }
    env.push_back(name + "=" + value);
  }
  return env;
}

// Writing to a pipe whose reader is gone must give EPIPE, not kill the agent.
void ignore_sigpipe_once() {
  static const bool done = [] {
    ::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

}  // namespace

Execution::Execution(asio::any_io_executor ex, ChildReaper& reaper, proto::Assign assign,
                     fs::path script_path, ExecOptions opts, StartedFn on_started,
                     OutputFn on_output, ProcessRunner& runner)
    : ex_(ex),
      reaper_(reaper),
      runner_(runner),
      assign_(std::move(assign)),
      script_path_(std::move(script_path)),
      opts_(std::move(opts)),
      on_started_(std::move(on_started)),
      on_output_(std::move(on_output)),
      wake_(ex),
      out_(opts_.output_limit),
      err_(opts_.output_limit) {}

proto::ResultMsg Execution::failed(const std::string& message) const {
  proto::ResultMsg r;
  r.dispatch_id = assign_.dispatch_id;
  r.task_id = assign_.task_id;
  r.status = proto::RunOutcome::failed;
  r.message = message;
  r.stderr_text = message;
  return r;
}

Result<void> Execution::write_script(const Account& acct) {
  if (acct.switch_user) {
    // The spool is private to the agent (and its parents may be closed to
    // other users), so another account gets its script in a fresh directory
    // of its own under /tmp, removed when the run ends.
    std::string templ = (fs::temp_directory_path() / "mend-script-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr)
      return make_error(ErrorCode::unavailable, "cannot create a script directory: " + std::string(std::strerror(errno)));
    private_dir_ = templ;
    if (::chown(templ.c_str(), acct.uid, acct.gid) != 0)
      return make_error(ErrorCode::unavailable, "cannot hand the script directory to " + acct.name + ": " +
                                                    std::strerror(errno));
    script_path_ = private_dir_ / "script";
  }
  std::error_code ec;
  fs::create_directories(script_path_.parent_path(), ec);
  if (ec) return make_error(ErrorCode::unavailable, "cannot create " + script_path_.parent_path().string() + ": " + ec.message());
  // A fresh file each time: O_EXCL refuses to follow a planted symlink.
  ::unlink(script_path_.c_str());
  int fd = ::open(script_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0700);
  if (fd < 0) return make_error(ErrorCode::unavailable, "cannot write script " + script_path_.string() + ": " + std::strerror(errno));
  if (auto w = write_all(fd, assign_.script, script_path_); !w) {
    ::close(fd);
    return w;
  }
  ::fchmod(fd, 0700);  // the umask may have narrowed it
  if (acct.switch_user && ::fchown(fd, acct.uid, acct.gid) != 0) {
    int err = errno;
    ::close(fd);
    return make_error(ErrorCode::unavailable, "cannot chown script: " + std::string(std::strerror(err)));
  }
  ::close(fd);
  return ok();
}

Execution::~Execution() {
  if (!private_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(private_dir_, ec);
  }
}

void Execution::wake() { wake_.cancel(); }

void Execution::kill() {
  kill_requested_ = true;
  wake();
}

bool Execution::output_changed() const {
  return out_.version() != sent_out_version_ || err_.version() != sent_err_version_;
}

void Execution::send_output_if_changed() {
  if (!output_changed()) return;
  sent_out_version_ = out_.version();
  sent_err_version_ = err_.version();
  if (on_output_) on_output_(proto::Output{assign_.dispatch_id, out_.text(), err_.text()});
}

awaitable<void> Execution::sleep_until(Clock::time_point t) {
  wake_.expires_at(t);
  boost::system::error_code ec;
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

awaitable<void> Execution::read_stream(std::shared_ptr<asio::posix::stream_descriptor> sd,
                                       OutputCapture* cap) {
  auto self = shared_from_this();
  std::array<char, 16384> buf;
  while (true) {
    boost::system::error_code ec;
    size_t n = co_await sd->async_read_some(asio::buffer(buf),
                                            asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) {
      cap->append(std::string_view(buf.data(), n));
      wake();  // the run loop sends it, now or when the interval allows
    }
    if (ec) break;
  }
  --readers_open_;
  wake();
}

awaitable<void> Execution::write_stdin(std::shared_ptr<asio::posix::stream_descriptor> sd) {
  auto self = shared_from_this();
  boost::system::error_code ec;
  // The buffer is assign_, which lives as long as self.
  co_await asio::async_write(*sd, asio::buffer(assign_.stdin_text),
                             asio::redirect_error(asio::use_awaitable, ec));
  sd->close(ec);  // EOF for the script
}

Result<void> Execution::prepare() {
  if (request_) return ok();
  MEND_ASSIGN_OR_RETURN(auto acct, resolve_account(assign_.account));
  MEND_TRY(write_script(acct));
  SpawnRequest req;
  auto args = split_ibex_args(assign_.args);
  if (assign_.script.rfind("#!", 0) == 0) {
    req.path = script_path_.string();
    req.argv.push_back(req.path);
  } else {
    req.path = "/bin/sh";
    req.argv = {"/bin/sh", script_path_.string()};
  }
  req.argv.insert(req.argv.end(), args.begin(), args.end());
  req.env = script_env(acct, assign_, opts_.ident);
  req.account = acct;
  req.cwd = acct.home;
  request_ = std::move(req);
  return ok();
}

awaitable<proto::ResultMsg> Execution::run() {
  auto self = shared_from_this();
  ignore_sigpipe_once();
  if (auto p = prepare(); !p) co_return failed(p.error().message);

  auto spawned = runner_.spawn(*request_);
  if (!spawned) co_return failed(spawned.error().message);
  pid_ = spawned->pid;
  reaper_.watch(pid_, [self](int status) {
    self->exited_ = true;
    self->wait_status_ = status;
    self->wake();
  });
  // Started first: the server hears of the start before we spend time logging it.
  if (on_started_) on_started_(proto::Started{assign_.dispatch_id});
  spdlog::info("dispatch {} (task {}) started as pid {} account {}", assign_.dispatch_id,
               assign_.task_id, pid_, assign_.account);

  auto in = std::make_shared<asio::posix::stream_descriptor>(ex_, spawned->stdin_fd);
  auto out = std::make_shared<asio::posix::stream_descriptor>(ex_, spawned->stdout_fd);
  auto err = std::make_shared<asio::posix::stream_descriptor>(ex_, spawned->stderr_fd);
  readers_open_ = 2;
  asio::co_spawn(ex_, write_stdin(in), asio::detached);
  asio::co_spawn(ex_, read_stream(out, &out_), asio::detached);
  asio::co_spawn(ex_, read_stream(err, &err_), asio::detached);

  const auto start = Clock::now();
  const bool has_deadline = assign_.timeout_s > 0;
  const auto deadline = start + std::chrono::seconds(has_deadline ? assign_.timeout_s : 0);
  auto next_output = start;  // the first output goes at once
  Phase phase = Phase::running;
  Clock::time_point kill_at{};
  // timeout or killed, once we started killing.
  std::optional<proto::RunOutcome> reason;

  auto start_kill = [&](proto::RunOutcome why) {
    reason = why;
    signal_group(pid_, SIGTERM);
    phase = Phase::term_sent;
    kill_at = Clock::now() + opts_.kill_grace;
    spdlog::info("dispatch {}: {}: SIGTERM to group {}", assign_.dispatch_id, proto::to_string(why), pid_);
  };

  while (!exited_) {
    auto now = Clock::now();
    if (phase == Phase::running) {
      if (kill_requested_) start_kill(proto::RunOutcome::killed);
      else if (has_deadline && now >= deadline) start_kill(proto::RunOutcome::timeout);
    }
    if (phase == Phase::term_sent && now >= kill_at) {
      signal_group(pid_, SIGKILL);
      phase = Phase::kill_sent;
    }
    if (now >= next_output && output_changed()) {
      send_output_if_changed();
      next_output = now + opts_.output_interval;
    }
    // Asleep until new output (the readers wake us), the interval's end if
    // output is waiting, or a deadline.
    auto wake_at = output_changed() ? next_output : now + std::chrono::hours(1);
    if (phase == Phase::running && has_deadline) wake_at = std::min(wake_at, deadline);
    if (phase == Phase::term_sent) wake_at = std::min(wake_at, kill_at);
    co_await sleep_until(wake_at);
  }

  bool group_survived = false;
  if (phase != Phase::running) {
    // The main process is gone but others in its group may linger (a trapped
    // TERM, a background job). Finish the TERM -> KILL sequence on the group.
    // Short bounded polls: group members are not our children, so no SIGCHLD.
    auto poll = std::chrono::milliseconds(20);
    while (phase == Phase::term_sent && group_alive(pid_)) {
      if (Clock::now() >= kill_at) {
        signal_group(pid_, SIGKILL);
        phase = Phase::kill_sent;
        break;
      }
      co_await sleep_until(std::min(Clock::now() + poll, kill_at));
    }
    if (phase == Phase::kill_sent) {
      auto settle = Clock::now() + opts_.kill_settle;
      while (group_alive(pid_) && Clock::now() < settle) co_await sleep_until(Clock::now() + poll);
      group_survived = group_alive(pid_);
    }
  }

  // Let the readers reach EOF, but not forever: a daemon may hold the pipes.
  auto drain_end = Clock::now() + opts_.drain_limit;
  while (readers_open_ > 0 && Clock::now() < drain_end) co_await sleep_until(drain_end);
  boost::system::error_code ec;
  out->close(ec);
  err->close(ec);
  in->close(ec);

  proto::ResultMsg r;
  r.dispatch_id = assign_.dispatch_id;
  r.task_id = assign_.task_id;
  if (WIFEXITED(wait_status_)) {
    r.exit_code = WEXITSTATUS(wait_status_);
  } else if (WIFSIGNALED(wait_status_)) {
    r.exit_code = 128 + WTERMSIG(wait_status_);
    r.message = "terminated by signal " + std::to_string(WTERMSIG(wait_status_));
  }
  if (!reason) {
    r.status = WIFEXITED(wait_status_) && r.exit_code == 0 ? proto::RunOutcome::success : proto::RunOutcome::failed;
  } else if (group_survived) {
    r.status = *reason == proto::RunOutcome::killed ? proto::RunOutcome::killfailed : *reason;
    r.message = "process group " + std::to_string(pid_) + " survived SIGKILL";
  } else {
    r.status = *reason;
    r.message = *reason == proto::RunOutcome::timeout
                    ? "timed out after " + std::to_string(assign_.timeout_s) + " s"
                    : "killed on request";
  }
  r.stdout_text = out_.text();
  r.stderr_text = err_.text();
  r.stdout_dropped = out_.dropped();
  r.stderr_dropped = err_.dropped();
  spdlog::info("dispatch {} finished: {} (exit {})", assign_.dispatch_id, proto::to_string(r.status), r.exit_code);
  co_return r;
}

}  // namespace mend::agent
