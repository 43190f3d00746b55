#pragma once
// For tests: one plain HTTP/1.1 request on a fresh connection to "HOST:PORT",
// read to the end of its answer. Throws (Beast's system_error) when nothing
// listens there, which is what a test of a stopped server checks. A signal
// (SIGCHLD from an agent's script) does not interrupt it.
#include <string>

namespace mend::testing {

struct HttpReply {
  int status = 0;
  std::string body;
};

// `method` as on the wire ("GET", "POST", ...); a non-empty `json_body` is
// sent with Content-Type: application/json.
HttpReply http_once(const std::string& host_port, const std::string& method, const std::string& target,
                    const std::string& json_body = "");

}  // namespace mend::testing
