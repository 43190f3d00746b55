#include "agent/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mend::agent {

namespace {

struct Pipe {
  int r = -1;
  int w = -1;
  void close_both() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
    r = w = -1;
  }
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(ErrorCode::internal, std::string("pipe: ") + std::strerror(errno));
  }
  return Pipe{fds[0], fds[1]};
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Written by the vfork child (which shares our memory until it execs or exits)
// to tell the parent which step failed.
struct ChildFailure {
  int err = 0;
  const char* step = nullptr;
};

}  // namespace

Result<Spawned> spawn_process(const SpawnRequest& req) {
  MEND_ASSIGN_OR_RETURN(Pipe in, make_pipe());
  auto out_r = make_pipe();
  if (!out_r) {
    in.close_both();
    return out_r.error();
  }
  Pipe out = *out_r;
  auto err_r = make_pipe();
  if (!err_r) {
    in.close_both();
    out.close_both();
    return err_r.error();
  }
  Pipe err = *err_r;

  // Everything the child needs is prepared here: it may not allocate.
  auto argv = c_strings(req.argv);
  auto envp = c_strings(req.env);
  const char* path = req.path.c_str();
  const char* cwd = req.cwd.c_str();
  const bool switch_user = req.account.switch_user;
  const int inherit_fd = req.inherit_fd;
  const uid_t uid = req.account.uid;
  const gid_t gid = req.account.gid;
  const gid_t* groups = req.account.groups.data();
  const size_t ngroups = req.account.groups.size();
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  const int max_fd = nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > 65536
                         ? 65536
                         : static_cast<int>(nofile.rlim_cur);
  volatile ChildFailure failure;

  // Block every signal so no agent handler runs in the child while it shares
  // our memory; the child resets dispositions and unblocks before exec.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);

  pid_t pid = ::vfork();
  if (pid == 0) {
    // Child: async-signal-safe calls only, and no writes to memory other than `failure`.
    auto fail = [&](const char* step) {
      failure.err = errno;
      failure.step = step;
      _exit(127);
    };
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction sa {};
      sa.sa_handler = SIG_DFL;
      ::sigaction(sig, &sa, nullptr);  // fails harmlessly for SIGKILL/SIGSTOP
    }
    if (::setpgid(0, 0) != 0) fail("setpgid");
    if (::dup2(in.r, 0) < 0 || ::dup2(out.w, 1) < 0 || ::dup2(err.w, 2) < 0) fail("dup2");
    if (inherit_fd >= 0) {
      if (inherit_fd == 3) {
        if (::fcntl(3, F_SETFD, 0) != 0) fail("fcntl");
      } else if (::dup2(inherit_fd, 3) < 0) {
        fail("dup2");
      }
    }
    // Sockets and files of the agent must not leak into scripts (a daemon the
    // script starts would otherwise hold the agent's connection open).
    const unsigned first_closed = inherit_fd >= 0 ? 4 : 3;
    if (::close_range(first_closed, ~0U, 0) != 0) {
      for (int fd = static_cast<int>(first_closed); fd < max_fd; ++fd) ::close(fd);
    }
    if (switch_user) {
      if (::setgroups(ngroups, groups) != 0) fail("setgroups");
      if (::setgid(gid) != 0) fail("setgid");
      if (::setuid(uid) != 0) fail("setuid");
    }
    if (::chdir(cwd) != 0 && ::chdir("/") != 0) fail("chdir");
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(path, argv.data(), envp.data());
    fail("execve");
  }
  int vfork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);

  ::close(in.r);
  ::close(out.w);
  ::close(err.w);
  if (pid < 0) {
    ::close(in.w);
    ::close(out.r);
    ::close(err.r);
    return make_error(ErrorCode::internal, std::string("vfork: ") + std::strerror(vfork_errno));
  }
  // Also set it from the parent so the group exists before we ever signal it.
  ::setpgid(pid, pid);
  if (failure.step) {
    // The child has already called _exit(127); collect it so no zombie is left.
    ::waitpid(pid, nullptr, 0);
    ::close(in.w);
    ::close(out.r);
    ::close(err.r);
    return make_error(ErrorCode::internal, std::string("cannot start ") + req.path + ": " +
                                               failure.step + ": " + std::strerror(failure.err));
  }
  return Spawned{pid, in.w, out.r, err.r};
}

ProcessRunner& posix_process_runner() {
  static PosixProcessRunner runner;
  return runner;
}

bool signal_group(pid_t pgid, int sig) { return pgid > 0 && ::kill(-pgid, sig) == 0; }

bool group_alive(pid_t pgid) {
  if (pgid <= 0 || ::kill(-pgid, 0) != 0) return false;
  // kill() succeeds while zombies remain; look for a live member in /proc.
  DIR* d = ::opendir("/proc");
  if (!d) return true;
  bool alive = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    // Fields after the command (which may hold spaces) start past the last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') {
      alive = true;
      break;
    }
  }
  ::closedir(d);
  return alive;
}

}  // namespace mend::agent
