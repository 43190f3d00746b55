#pragma once
// Safe defaults: a server that anyone on the network can reach must know who
// calls its API and which agents it talks to, or an operator must say
// --insecure. Without API auth anyone can run any script as root on every
// host; without agent authentication anyone can connect as any host and
// receive its scripts (and the secrets on their stdin).
#include <string>

#include "api/listen_address.hpp"
#include "common/result.hpp"

namespace mend {

// What protects this server, as configured at start. Each way of
// authenticating sets its field (basic-auth users and API tokens today;
// users with sessions and enrolled agent certificates extend these).
struct AccessControl {
  bool api_users = false;   // --basic-auth / --api-token (ApiAuth::enabled())
  bool agent_token = false; // --agent-token
};

// The one definition of "the API has authentication configured".
bool api_auth_configured(const AccessControl& access);
// The one definition of "agents must authenticate".
bool agent_auth_configured(const AccessControl& access);

// 127.0.0.0/8, ::1 and "localhost": only this machine can connect.
bool is_loopback_host(const std::string& host);

// invalid_input, saying what is missing and how to fix it, when `http` is
// reachable from other machines and the API or the agents are unauthenticated
// and not `insecure`. ok otherwise.
Result<void> check_exposure(const ListenAddress& http, const AccessControl& access, bool insecure);

// The warning logged at start while something is unauthenticated (on
// loopback, or with --insecure); empty when everything is.
std::string exposure_warning(const ListenAddress& http, const AccessControl& access);

}  // namespace mend
