#include "support/alertmanager_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "support/wait.hpp"

namespace mend::it {

std::string alertmanager_binary() {
  const char* env = std::getenv("MEND_ALERTMANAGER_BIN");
  std::string path = env && *env ? env : "/usr/bin/prometheus-alertmanager";
  return ::access(path.c_str(), X_OK) == 0 ? path : std::string();
}

uint16_t free_local_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("bind to a free port failed");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

AlertmanagerProcess::AlertmanagerProcess(const TempDir& dir, std::string config_yaml)
    : dir_(dir), config_(std::move(config_yaml)) {}

AlertmanagerProcess::~AlertmanagerProcess() {
  if (process_) process_->terminate();
}

void AlertmanagerProcess::start() {
  std::string bin = alertmanager_binary();
  if (bin.empty()) throw std::runtime_error("prometheus-alertmanager is not installed");
  write_file(dir_.file("alertmanager.yml"), config_);
  std::filesystem::create_directories(dir_.file("alertmanager-data"));
  // The port is free when picked; another process may take it before
  // Alertmanager binds, so a start that does not become ready is retried.
  std::ostringstream failures;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = free_local_port();
    SpawnSpec spec;
    spec.argv = {bin,
                 "--config.file=" + dir_.file("alertmanager.yml").string(),
                 "--storage.path=" + dir_.file("alertmanager-data").string(),
                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                 "--cluster.listen-address=",
                 "--log.level=debug"};
    std::string base = "alertmanager-" + std::to_string(attempt);
    spec.stdout_path = dir_.file(base + ".stdout");
    spec.stderr_path = dir_.file(base + ".stderr");
    process_ = std::make_unique<Process>(spec);
    HttpClient c = client();
    bool ready =
        wait_until([&] { return !process_->running() || c.get("/-/ready").status == 200; });
    if (ready && process_->running()) return;
    process_->terminate();
    process_->print_log_tail(failures);
  }
  throw std::runtime_error("prometheus-alertmanager did not become ready:\n" + failures.str());
}

ExitStatus AlertmanagerProcess::stop() { return process_ ? process_->terminate() : ExitStatus{}; }

HttpResponse AlertmanagerProcess::post_alerts(const nlohmann::json& alerts) const {
  return client().request("POST", "/api/v2/alerts", alerts.dump(),
                          {{"Content-Type", "application/json"}});
}

void AlertmanagerProcess::print_logs(std::ostream& os) const {
  if (process_) process_->print_log_tail(os);
}

}  // namespace mend::it
