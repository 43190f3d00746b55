#pragma once
// Agents' identities over HTTP.
// For agents (open routes, no API credentials: a join token or their certificate proves them):
//   GET  /api/v1/agent/ca       Mend's CA certificate (PEM; public)
//   POST /api/v1/agent/enroll   {"token","host","csr"} -> {"certificate","ca","not_after_ms"}
//   POST /api/v1/agent/renew    {"csr"}, over mutual TLS with the current certificate -> the same
// For admins (agent.enroll; revoking: agent.revoke):
//   POST /api/v1/join-tokens    {"host"} or {"pattern","max_hosts"}, optional "ttl_s" (3600)
//                               -> 201 {"token", "id", "host_pattern", "max_hosts", "expires_ms", "ca_fingerprint"}
//   GET  /api/v1/join-tokens    the tokens (never their secrets)
//   POST /api/v1/agents/:ident/revoke -> {"revoked": N}; the agent's connections close on every server
#include "api/router.hpp"
#include "dispatch/agent_hub.hpp"
#include "tls/enroll/agent_trust.hpp"

namespace mend {

// `trust` and `hub` must outlive `router`.
void add_trust_routes(Router& router, tls::AgentTrust& trust, AgentHub& hub);

}  // namespace mend
