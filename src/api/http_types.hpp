#pragma once
// A request and response as the routes see them: plain values with no Beast
// types, so every route and the auth and routing logic are tested without a socket.
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mend {

struct ApiRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // raw path, without the query
  std::map<std::string, std::string> query;   // decoded; the first value of a repeated key wins
  std::map<std::string, std::string> params;  // decoded path parameters, filled by the router
  std::string authorization;                  // the Authorization header, if any
  std::string idempotency_key;                // the Idempotency-Key header, if any
  std::string body;
  std::string remote;  // "ADDR:PORT" of the peer
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set when the answer is not ready: the server lets its other work run
  // (agents, other requests), then calls resume() for the rest of the work,
  // whose answer may be unfinished again. A long request (a webhook of ten
  // thousand alerts) is so done in bounded steps instead of holding the
  // server's one thread. The other fields are ignored while it is set.
  std::function<ApiResponse()> resume;
};

// Runs `res` to its final answer without yielding to anything (tests, tools).
inline ApiResponse finish(ApiResponse res) {
  while (res.resume) {
    auto next = std::move(res.resume);
    res = next();
  }
  return res;
}

}  // namespace mend
