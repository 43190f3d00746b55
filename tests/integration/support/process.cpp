#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"

extern char** environ;

namespace mend::it {

namespace {

ExitStatus decode(int wstatus) {
  ExitStatus s;
  if (WIFEXITED(wstatus)) {
    s.exited = true;
    s.code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    s.signal = WTERMSIG(wstatus);
  }
  return s;
}

std::vector<std::string> merged_env(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> env;
  std::vector<std::string> order;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    std::string k = kv.substr(0, eq);
    if (!env.count(k)) order.push_back(k);
    env[k] = kv;
  }
  for (const auto& kv : extra) {
    std::string k = kv.substr(0, kv.find('='));
    if (!env.count(k)) order.push_back(k);
    env[k] = kv;
  }
  std::vector<std::string> out;
  for (const auto& k : order) out.push_back(env[k]);
  return out;
}

std::string tail_of(const std::filesystem::path& p, size_t max_bytes) {
  std::string s = read_file(p);
  if (s.size() > max_bytes) s = "...[" + std::to_string(s.size() - max_bytes) + " bytes cut]...\n" + s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const ExitStatus& s) {
  if (s.exited) return os << "exit " << s.code;
  if (s.signal) return os << "signal " << s.signal << " (" << strsignal(s.signal) << ")";
  return os << "unknown";
}

Process::Process(SpawnSpec spec) : spec_(std::move(spec)) {
  if (spec_.argv.empty()) throw std::runtime_error("Process: empty argv");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  std::string in = spec_.stdin_path.empty() ? "/dev/null" : spec_.stdin_path.string();
  std::string out = spec_.stdout_path.empty() ? "/dev/null" : spec_.stdout_path.string();
  std::string err = spec_.stderr_path.empty() ? "/dev/null" : spec_.stderr_path.string();
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);

  // Children start with default signal dispositions and an empty mask, in
  // their own process group so a terminal's Ctrl-C on the test does not race us.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> argv;
  for (auto& a : spec_.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = merged_env(spec_.extra_env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  int rc = posix_spawn(&pid_, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("posix_spawn " + spec_.argv[0] + ": " + std::strerror(rc));
}

Process::~Process() {
  if (!status_) terminate(std::chrono::seconds(10));
}

bool Process::running() {
  if (status_) return false;
  int ws = 0;
  pid_t r = ::waitpid(pid_, &ws, WNOHANG);
  if (r == pid_) {
    status_ = decode(ws);
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<ExitStatus> Process::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

ExitStatus Process::terminate(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto s = wait_for(grace)) return *s;
  return kill9();
}

ExitStatus Process::kill9() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    int ws = 0;
    if (::waitpid(pid_, &ws, 0) == pid_) status_ = decode(ws);
  }
  return status_ ? *status_ : ExitStatus{};
}

void Process::print_log_tail(std::ostream& os, size_t max_bytes) const {
  os << "----- " << spec_.argv[0];
  for (size_t i = 1; i < spec_.argv.size(); ++i) os << ' ' << spec_.argv[i];
  os << " (pid " << pid_ << (status_ ? ", " : "");
  if (status_) os << *status_;
  os << ") -----\n";
  if (!spec_.stdout_path.empty()) {
    std::string out = tail_of(spec_.stdout_path, max_bytes);
    if (!out.empty()) os << "[stdout]\n" << out << (out.back() == '\n' ? "" : "\n");
  }
  if (!spec_.stderr_path.empty()) os << "[stderr]\n" << tail_of(spec_.stderr_path, max_bytes) << "\n";
}

RunResult run_command(std::vector<std::string> argv, const std::filesystem::path& dir,
                      const std::string& name, const std::string& stdin_text,
                      std::chrono::milliseconds timeout) {
  static int counter = 0;
  std::string base = name + "-" + std::to_string(++counter);
  SpawnSpec spec;
  spec.argv = std::move(argv);
  spec.stdout_path = dir / (base + ".stdout");
  spec.stderr_path = dir / (base + ".stderr");
  if (!stdin_text.empty()) {
    spec.stdin_path = dir / (base + ".stdin");
    write_file(spec.stdin_path, stdin_text);
  }
  Process p(spec);
  RunResult r;
  if (auto s = p.wait_for(timeout)) {
    r.status = *s;
  } else {
    r.status = p.kill9();
    r.err = "[mend-it] killed after timeout\n";
  }
  r.out = read_file(spec.stdout_path);
  r.err += read_file(spec.stderr_path);
  return r;
}

bool pid_alive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  // A zombie still answers kill(0); /proc says whether it is one.
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto rp = stat.rfind(')');
  return !(rp != std::string::npos && rp + 2 < stat.size() && stat[rp + 2] == 'Z');
}

}  // namespace mend::it
