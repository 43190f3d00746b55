#include "api/trust_routes.hpp"

#include <nlohmann/json.hpp>

#include "api/envelope.hpp"
#include "common/log.hpp"

namespace mend {

namespace {

using nlohmann::json;

// Larger than any certificate request (tls::kMaxRequestPemBytes) with its token.
constexpr size_t kMaxEnrollBody = 16 * 1024;

Result<json> parse_object(const ApiRequest& req, size_t limit) {
  if (req.body.size() > limit)
    return make_error(ErrorCode::too_large, "body over " + std::to_string(limit) + " bytes refused");
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return make_error(ErrorCode::invalid_input, "body must be a JSON object");
  return body;
}

std::string string_field(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

ApiResponse certificate_answer(const tls::IssuedCertificate& cert, const tls::AgentTrust& trust) {
  return json_ok(json{{"certificate", cert.cert_pem},
                      {"ca", trust.ca().cert_pem()},
                      {"serial", cert.serial},
                      {"not_after_ms", cert.not_after_ms}});
}

ApiResponse enroll(tls::AgentTrust& trust, const ApiRequest& req) {
  auto body = parse_object(req, kMaxEnrollBody);
  if (!body.ok()) return json_error(body.error());
  std::string host = string_field(*body, "host");
  auto cert = trust.enroll(string_field(*body, "token"), host, string_field(*body, "csr"));
  if (!cert.ok()) {
    // Never the token: it is a secret until it is used up.
    spdlog::warn("enrollment of {} from {} refused: {}", host.substr(0, 64), req.remote, cert.error().message);
    return json_error(cert.error());
  }
  return certificate_answer(*cert, trust);
}

ApiResponse renew(tls::AgentTrust& trust, const ApiRequest& req) {
  auto body = parse_object(req, kMaxEnrollBody);
  if (!body.ok()) return json_error(body.error());
  auto cert = trust.renew(req.client_cert, string_field(*body, "csr"));
  if (!cert.ok()) {
    spdlog::warn("certificate renewal from {} ({}) refused: {}", req.remote,
                 req.client_cert.present ? req.client_cert.common_name : "no certificate", cert.error().message);
    return json_error(cert.error());
  }
  return certificate_answer(*cert, trust);
}

json token_json(const JoinToken& t) {
  return json{{"id", t.id},         {"host_pattern", t.host_pattern}, {"max_hosts", t.max_uses},
              {"used", t.uses},     {"expires_ms", t.expires_ms},     {"created_ms", t.created_ms},
              {"created_by", t.created_by}};
}

ApiResponse create_token(tls::AgentTrust& trust, const ApiRequest& req) {
  auto body = parse_object(req, 4096);
  if (!body.ok()) return json_error(body.error());
  tls::JoinTokenRequest r;
  r.host = string_field(*body, "host");
  r.pattern = string_field(*body, "pattern");
  r.created_by = string_field(*body, "created_by");
  if (auto it = body->find("max_hosts"); it != body->end()) {
    if (!it->is_number_integer()) return json_error(400, "max_hosts must be an integer");
    r.max_hosts = it->get<int64_t>();
  }
  if (auto it = body->find("ttl_s"); it != body->end()) {
    if (!it->is_number_integer()) return json_error(400, "ttl_s must be an integer");
    r.ttl = std::chrono::seconds(it->get<int64_t>());
  }
  auto made = trust.create_join_token(r);
  if (!made.ok()) return json_error(made.error());
  json out = token_json(made->record);
  out["token"] = made->token;
  out["ca_fingerprint"] = trust.ca().fingerprint();
  ApiResponse res = json_ok(out);
  res.status = 201;
  return res;
}

ApiResponse list_tokens(tls::AgentTrust& trust) {
  auto tokens = trust.join_tokens();
  if (!tokens.ok()) return json_error(tokens.error());
  json list = json::array();
  for (const auto& t : *tokens) list.push_back(token_json(t));
  return json_ok(list);
}

ApiResponse revoke_token(tls::AgentTrust& trust, const ApiRequest& req) {
  const std::string& id = req.params.at("id");
  auto done = trust.revoke_join_token(id);
  if (!done.ok()) return json_error(done.error());
  return json_ok(json{{"id", id}, {"revoked", true}});
}

ApiResponse revoke(tls::AgentTrust& trust, AgentHub& hub, const ApiRequest& req) {
  const std::string& host = req.params.at("ident");
  auto n = trust.revoke(host);
  if (!n.ok()) return json_error(n.error());
  // Here at once; other servers within their next revocation poll.
  (void)trust.poll_revocations();
  bool closed = hub.close(host);
  return json_ok(json{{"host", host}, {"revoked", *n}, {"closed_here", closed}});
}

}  // namespace

void add_trust_routes(Router& r, tls::AgentTrust& trust, AgentHub& hub) {
  r.add("GET", "/api/v1/agent/ca", auth::Access::open(), [&trust](const ApiRequest&) {
    ApiResponse res = text_response(200, trust.ca().cert_pem());
    res.content_type = "application/x-pem-file";
    return res;
  });
  r.add("POST", "/api/v1/agent/enroll", auth::Access::open(), [&trust](const ApiRequest& req) { return enroll(trust, req); });
  r.add("POST", "/api/v1/agent/renew", auth::Access::open(), [&trust](const ApiRequest& req) { return renew(trust, req); });
  r.add("POST", "/api/v1/join-tokens", auth::Access::need(auth::Permission::agent_enroll), [&trust](const ApiRequest& req) { return create_token(trust, req); });
  r.add("GET", "/api/v1/join-tokens", auth::Access::need(auth::Permission::agent_enroll), [&trust](const ApiRequest&) { return list_tokens(trust); });
  r.add("DELETE", "/api/v1/join-tokens/:id", auth::Access::need(auth::Permission::agent_enroll),
        [&trust](const ApiRequest& req) { return revoke_token(trust, req); });
  r.add("POST", "/api/v1/agents/:ident/revoke", auth::Access::need(auth::Permission::agent_revoke),
        [&trust, &hub](const ApiRequest& req) { return revoke(trust, hub, req); });
}

}  // namespace mend
