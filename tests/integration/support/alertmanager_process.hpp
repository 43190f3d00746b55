#pragma once
// Debian's prometheus-alertmanager on 127.0.0.1, started by a test with its
// own config, storage dir and a free port, clustering off. The binary path
// comes from MEND_ALERTMANAGER_BIN or /usr/bin/prometheus-alertmanager; tests
// skip when it is absent (see alertmanager_binary()).
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {

// The executable to run, or "" when it is not installed.
std::string alertmanager_binary();

// A port on 127.0.0.1 that was free a moment ago (bound, read, closed).
uint16_t free_local_port();

class AlertmanagerProcess {
 public:
  // `config_yaml` is written to the TempDir as alertmanager.yml.
  AlertmanagerProcess(const TempDir& dir, std::string config_yaml);
  ~AlertmanagerProcess();

  // Starts it and waits for /-/ready; throws std::runtime_error with its log otherwise.
  void start();
  ExitStatus stop();

  HttpClient client() const { return HttpClient("127.0.0.1", port_); }
  // POST /api/v2/alerts; returns the response (200 on success).
  HttpResponse post_alerts(const nlohmann::json& alerts) const;
  void print_logs(std::ostream& os) const;

 private:
  const TempDir& dir_;
  std::string config_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace mend::it
