// mend-server: settings in (server/server_settings.cpp), MendServer started,
// signals wired to it.
#include <csignal>
#include <functional>
#include <iostream>

#include "common/asio.hpp"
#include "common/failpoint.hpp"
#include "common/fd_limit.hpp"
#include "common/log.hpp"
#include "server/mend_server.hpp"
#include "server/server_settings.hpp"

namespace {

constexpr int kExitUsage = 2;

int usage_error(const std::string& message) {
  std::cerr << "mend-server: " << message << "\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mend;
  SettingsProgram program{"mend-server",
                          "the Mend task engine (Ibex-compatible HTTP API, native agent channel)",
                          std::string("mend-server ") + MEND_VERSION};
  auto read = read_settings(program, server_settings_table(), argc, argv);
  if (!read.settings) return read.exit_code;
  const ServerSettings& s = *read.settings;
  init_failpoints_from_env();
  if (!setup_logging(s.log_level, "mend-server"))
    return usage_error("unknown log level '" + s.log_level + "'");
  for (const auto& w : read.warnings) spdlog::warn("{}", w);
  if (s.check_config) {
    if (auto r = check_server_settings(s); !r.ok()) return usage_error(r.error().message);
    std::cout << "mend-server: settings" << (s.rules.empty() ? "" : " and rules file " + s.rules)
              << " are fine\n";
    return 0;
  }
  // One descriptor per connected agent: the usual soft limit of 1024 would
  // refuse agents long before memory or CPU runs out.
  const OpenFilesLimit files = raise_open_files_limit();
  spdlog::info("open files limit {} (hard {})", files.soft, files.hard);

  MendServer server(s);
  if (auto r = server.start(); !r.ok()) return usage_error(r.error().message);
  // SIGHUP reloads the rules; a bad file is refused whole and the old rules stay.
  asio::signal_set hup(server.io_context(), SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const beast::error_code& ec, int) {
      if (ec) return;
      server.reload_rules();
      wait_hup();
    });
  };
  wait_hup();
  asio::signal_set stop_signals(server.io_context(), SIGINT, SIGTERM);
  stop_signals.async_wait([&](const beast::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: stopping", signo);
    hup.cancel();
    server.stop();
  });
  server.run();
  return 0;
}
