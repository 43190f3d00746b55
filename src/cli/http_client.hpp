#pragma once
// A small synchronous HTTP/1.1 client for mendctl: one request per
// connection, over TLS for https:// (the server's certificate must chain to
// `ca_pem`, or to the system's CAs when it is empty, and name the host). Every request has a deadline and a response
// size limit; failures come back as values, never as exceptions.
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "cli/server_url.hpp"
#include "common/result.hpp"

namespace mend::cli {

enum class Method { get, post, put, del };

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

struct HttpClientOptions {
  // Deadline for the whole exchange: connect, send and read.
  std::chrono::milliseconds timeout{10000};
  // Largest response body accepted; bigger answers fail with too_large.
  std::size_t body_limit = 32 * 1024 * 1024;
  // The Authorization header value, or empty for none.
  std::string authorization;
  // https:// only: the CA certificate(s) to trust (PEM); empty: the system's.
  std::string ca_pem;
};

class HttpClient {
 public:
  HttpClient(ServerUrl server, HttpClientOptions options);

  // Sends one request to server.base_path + path (path starts with '/' and
  // may hold a query). A JSON body is sent when body is not empty.
  // Errors: unavailable when the server cannot be reached or the deadline
  // passes ("cannot reach server at URL: ..."); too_large for an oversized
  // response; internal for a malformed one. Any HTTP status is a success here.
  Result<HttpResponse> send(Method method, std::string_view path, std::string body = {}) const;

  const ServerUrl& server() const { return server_; }

 private:
  ServerUrl server_;
  HttpClientOptions options_;
};

}  // namespace mend::cli
