#pragma once
// A request and response as the routes see them: plain values with no Beast
// types, so every route and the auth and routing logic are tested without a socket.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tls/peer_certificate.hpp"

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
  // The client's verified TLS certificate (agents renewing theirs), if any.
  tls::PeerCertificate client_cert;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

}  // namespace mend
