#pragma once
// mend-loadgen's settings: how many simulated agents, their names, how their
// fake executor answers, and how fast they connect.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace mend::loadgen {

struct LoadgenOptions {
  std::string server;  // base URL, http://HOST:PORT (native agents)
  // HOST:PORT of mend-server's --ibex-rpc listener: simulate Ibex-protocol
  // agents instead of native ones.
  std::string ibex;
  std::chrono::milliseconds poll{1000};  // Ibex agents' heartbeat interval
  std::string token;
  size_t count = 0;  // agents named prefix + index, index from `first`
  std::string prefix = "lg-";
  size_t first = 0;
  std::vector<std::string> idents;         // extra agents with exactly these names
  std::chrono::milliseconds exec_time{0};  // from Assign to Result; 0 answers at once
  std::string stdout_text;                 // every result's stdout
  double connect_rate =
      2000;  // new connections started per second (a burst overflows the listen backlog)
  std::string assign_log;  // file: one line per Assign received
  std::string ready_file;  // written once every agent has been welcomed
};

// Every simulated agent's ident, in start order: the named ones, then the numbered ones.
std::vector<std::string> agent_idents(const LoadgenOptions& o);

// Checks the options against each other and against `open_files`, the
// descriptors this process may hold (one per agent plus a reserve).
// Errors: invalid_input with what to change.
Result<void> validate(const LoadgenOptions& o, size_t open_files);

// Descriptors kept free for the process itself (stdio, epoll, the log files, resolver).
inline constexpr size_t kReservedFiles = 32;

}  // namespace mend::loadgen
