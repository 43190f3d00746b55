#include "support/tls_server.hpp"

#include "support/alertmanager_process.hpp"

namespace mend::it {

TlsServer::TlsServer(const TempDir& dir, ServerOptions options, std::string name) : dir_(dir) {
  ca_ = dir.file(name + ".ca.pem");
  plain_port_ = free_local_port();
  std::vector<std::string> args = {"--ca-out", ca_.string(), "--plain-http",
                                   "127.0.0.1:" + std::to_string(plain_port_)};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  options.extra_args = std::move(args);
  server_ = std::make_unique<ServerProcess>(dir, std::move(options), std::move(name));
}

std::string TlsServer::log() const {
  auto* p = server_->process();
  return p ? read_file(p->spec().stderr_path) : std::string();
}

RunResult TlsServer::mendctl(std::vector<std::string> args) const {
  std::vector<std::string> argv = {MENDCTL_BIN, "--server", url(), "--cacert", ca_.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, dir_.path(), "mendctl");
}

}  // namespace mend::it
