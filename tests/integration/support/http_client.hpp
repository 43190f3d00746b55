#pragma once
// A tiny synchronous HTTP/1.1 client for tests: one connection per request,
// optional basic auth, a 30 s bound on every request. Never throws: a
// transport failure comes back as status 0 with `error` set.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace mend::it {

struct HttpResponse {
  int status = 0;  // 0: transport failure, see error
  std::string error;
  std::string body;
  std::string content_type;
  nlohmann::json json;  // discarded (is_discarded()) when the body is not JSON
  bool is_json() const { return !json.is_discarded(); }
  // The envelope's "err" ("" when absent or not a string).
  std::string err() const;
  // The envelope's "dat" (null when absent).
  const nlohmann::json& dat() const;
};
std::ostream& operator<<(std::ostream& os, const HttpResponse& r);

class HttpClient {
 public:
  HttpClient() = default;
  // user_pass: "user:password" for basic auth, empty for none.
  HttpClient(std::string host, uint16_t port, std::string user_pass = {});

  HttpResponse get(const std::string& target) const;
  HttpResponse post(const std::string& target, const std::string& body) const;
  HttpResponse put(const std::string& target, const std::string& body) const;
  HttpResponse post_json(const std::string& target, const nlohmann::json& body) const { return post(target, body.dump()); }
  HttpResponse put_json(const std::string& target, const nlohmann::json& body) const { return put(target, body.dump()); }
  HttpResponse request(const std::string& method, const std::string& target, const std::string& body,
                       const std::map<std::string, std::string>& headers = {}) const;

  HttpClient with_auth(std::string user_pass) const { return HttpClient(host_, port_, std::move(user_pass)); }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }

 private:
  std::string host_;
  uint16_t port_ = 0;
  std::string user_pass_;
};

}  // namespace mend::it
