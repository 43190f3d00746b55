#pragma once
// A request and response as the routes see them: plain values with no Beast
// types, so every route and the auth and routing logic are tested without a socket.
#include <functional>
#include <map>
#include <memory>
#include <optional>
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
  std::string accept_encoding;                // for the console's files
  std::string if_none_match;
  std::string body;
  std::string remote;  // "ADDR:PORT" of the peer
};

// A response body that goes on after the headers (server-sent events): the
// server writes each piece next() gives, waits for wake or `poll`, and asks
// again, until next() says the stream ended or the client went away.
// Everything is called on the server's io_context thread.
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
};

}  // namespace mend
