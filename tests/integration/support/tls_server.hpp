#pragma once
// mend-server with TLS on its --http port (Mend's own CA, written to
// ca_path()) and, for the test's own API calls (IbexApi speaks plain HTTP),
// a --plain-http listener on 127.0.0.1 as an operator would give Nightingale.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/ibex_api.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {

class TlsServer {
 public:
  // `options.extra_args` are added after the TLS ones.
  TlsServer(const TempDir& dir, ServerOptions options = {}, std::string name = "server");

  void start() { server_->start(); }
  ExitStatus stop() { return server_->stop(); }
  ServerProcess& process() { return *server_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_->port()); }
  uint16_t port() const { return server_->port(); }
  std::filesystem::path ca_path() const { return ca_; }
  HttpClient plain_client() const { return HttpClient("127.0.0.1", plain_port_); }
  IbexApi api() const { return IbexApi(plain_client()); }
  // Every incarnation's stderr so far (the current one).
  std::string log() const;
  // mendctl against url() with --cacert.
  RunResult mendctl(std::vector<std::string> args) const;

 private:
  const TempDir& dir_;
  std::filesystem::path ca_;
  uint16_t plain_port_ = 0;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace mend::it
