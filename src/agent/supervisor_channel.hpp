#pragma once
// The control channel between the agent and an idle supervisor: a Unix
// socket pair. The agent keeps one supervisor started ahead of time (so no
// process start sits between an assignment and its script) and hands it a
// dispatch by sending the dispatch id together with the dispatch's locked
// file descriptor (SCM_RIGHTS) and the assignment itself (so the supervisor
// prepares the script while the agent records the dispatch); then one "go"
// byte once the dispatch is recorded. EOF instead of either means the agent
// is gone.
//
// Wire: a 32-byte header "<dispatch id, 20 digits> <payload bytes, 10
// digits>\n" carrying the descriptor, then the payload.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace mend::agent {

struct ChannelAssignment {
  int64_t dispatch_id = 0;
  int lock_fd = -1;  // received descriptor; the receiver owns it
  std::string payload;  // the encoded proto::Assign
};

// Blocks until the payload is written (the supervisor reads as we write).
// Errors: unavailable when the peer is gone or the socket fails.
Result<void> send_assignment(int sock, int64_t dispatch_id, int lock_fd, std::string_view payload);
// nullopt on EOF (the agent went away before assigning anything).
// Errors: invalid_input for a malformed message, unavailable on socket errors.
Result<std::optional<ChannelAssignment>> receive_assignment(int sock);

// Blocks until the go byte (true) or EOF/error (false).
bool wait_for_go(int sock);
// Errors: unavailable when the peer is gone.
Result<void> send_go(int sock);

}  // namespace mend::agent
