#pragma once
// A request and response as the routes see them: plain values with no Beast
// types, so every route and the auth and routing logic are tested without a socket.
#include <cassert>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tls/peer_certificate.hpp"
#include "auth/principal.hpp"

namespace mend {

class Store;

struct ApiRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;    // raw path, without the query
  std::map<std::string, std::string> query;   // decoded; the first value of a repeated key wins
  std::map<std::string, std::string> params;  // decoded path parameters, filled by the router
  std::string authorization;                  // the Authorization header, if any
  std::string cookie;                         // the Cookie header, if any
  std::string csrf_token;                     // the X-CSRF-Token header, if any
  std::string idempotency_key;                // the Idempotency-Key header, if any
  std::string accept_encoding;                // for the console's files
  std::string if_none_match;
  std::string body;
  std::string remote;  // "ADDR:PORT" of the peer
  // The client's verified TLS certificate (agents renewing theirs), if any.
  tls::PeerCertificate client_cert;
  bool secure = false;  // arrived over TLS: cookies are then marked Secure
  // Who is calling: filled by ApiService from the credentials before the
  // handler runs, which already knows it may do what its route demands.
  auth::Principal principal;
  // Set by ApiService::check_headers once it resolved the credentials from
  // the headers; they are then not resolved again (a second answer could
  // differ, and let a request whose body was never read reach its route).
  bool principal_resolved = false;
  std::string credentials_refusal;  // why they were refused, with principal_resolved
  bool credentials_unavailable = false;  // the database could not be asked, with principal_resolved
};

// A response body that goes on after the headers (server-sent events): the
// server writes each piece next() gives, waits for wake or `poll`, and asks
// again, until next() says the stream ended or the client went away.
// Everything is called on the server's state thread (the engine's), and the
// stream is destroyed there; `wake` may be called from it only.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Text to send now ("" for nothing new), or nullopt when the stream is over.
  virtual std::optional<std::string> next() = 0;
  // `wake` makes the server call next() soon; it stays valid until the stream is destroyed.
  virtual void on_wake(std::function<void()> wake) = 0;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set for a streaming answer: `body` is sent first, then the stream.
  std::shared_ptr<ResponseStream> stream;
  // Set when the answer is not ready: the server lets its other work run
  // (agents, other requests), then calls resume() for the rest of the work,
  // whose answer may be unfinished again. A long request (a webhook of ten
  // thousand alerts) is so done in bounded steps instead of holding the
  // server's one thread. The other fields are ignored while it is set.
  std::function<ApiResponse()> resume;
  // Set for an answer that only reads the database (see api/read_answer.hpp):
  // the server runs it on one of its reader threads with that thread's own
  // read connection, so a long read never delays dispatches and reports on
  // the io thread. It must touch nothing but `reader` and what it owns.
  std::function<ApiResponse(Store& reader)> read_elsewhere;
};

// Runs `res` to its final answer without yielding to anything (tests,
// tools); a read is run on `reader`, which must then be given.
inline ApiResponse finish(ApiResponse res, Store* reader = nullptr) {
  while (res.resume || res.read_elsewhere) {
    if (res.read_elsewhere) {
      assert(reader != nullptr);
      auto read = std::move(res.read_elsewhere);
      res = read(*reader);
      continue;
    }
    auto next = std::move(res.resume);
    res = next();
  }
  return res;
}

}  // namespace mend
