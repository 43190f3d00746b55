#include "api/account_routes.hpp"

#include <charconv>

#include "api/api_service.hpp"
#include "api/envelope.hpp"

namespace mend {

namespace {

using nlohmann::json;
using auth::Permission;

// The session contract's answers carry no envelope: {"error": ...} on refusal.
ApiResponse plain(int status, const json& body) {
  return ApiResponse{status, "application/json", dump_json(body), {}};
}
ApiResponse plain_error(int status, const std::string& message) {
  return plain(status, json{{"error", message}, {"err", message}});
}
ApiResponse plain_error(const Error& e) { return plain_error(api_status(e.code), e.message); }

json session_json(const auth::Principal& p) {
  return json{{"user", p.name},
              {"role", p.role},
              {"kind", auth::to_string(p.kind)},
              {"method", auth::to_string(p.method)},
              {"permissions", p.permissions.names()},
              {"csrf_token", p.csrf_token}};
}

std::string cookie(const ApiRequest& req, const std::string& value, int64_t max_age_s) {
  std::string c = std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                  std::to_string(max_age_s);
  if (req.secure) c += "; Secure";
  return c;
}

Result<json> body_object(const ApiRequest& req) {
  auto j = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return make_error(ErrorCode::invalid_input, "the body must be a JSON object");
  return j;
}

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

json user_json(const StoredUser& u) {
  return json{{"name", u.name}, {"kind", u.kind},           {"role", u.role},
              {"disabled", u.disabled}, {"created_ms", u.created_ms}, {"updated_ms", u.updated_ms}};
}

json token_json(const StoredToken& t, int64_t now_ms) {
  std::string state = t.revoked_ms ? "revoked" : (t.expires_ms && t.expires_ms <= now_ms ? "expired" : "active");
  return json{{"id", t.id},
              {"user", t.user_name},
              {"name", t.name},
              {"prefix", t.prefix},
              {"scopes", t.scopes.empty() ? json::array() : json(auth::PermissionSet::parse_list(t.scopes).ok()
                                                                     ? auth::PermissionSet::parse_list(t.scopes)->names()
                                                                     : std::vector<std::string>{t.scopes})},
              {"created_ms", t.created_ms},
              {"expires_ms", t.expires_ms},
              {"last_used_ms", t.last_used_ms},
              {"revoked_ms", t.revoked_ms},
              {"state", state}};
}

ApiResponse sign_in(ApiContext& ctx, const ApiRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return plain_error(400, body.error().message);
  std::string user = str(*body, "user"), password = str(*body, "password");
  if (auto* rec = ctx.trail ? ctx.trail->pending() : nullptr) {
    rec->actor = user;
    rec->actor_kind = "user";
    rec->auth_method = "password";
  }
  if (user.empty() || password.empty()) return plain_error(400, "give \"user\" and \"password\"");
  auto s = ctx.accounts->sign_in(user, password, req.remote);
  if (!s.ok()) return plain_error(s.error().code == ErrorCode::unauthorized ? 401 : http_status(s.error().code),
                                  s.error().message);
  ApiResponse res = plain(200, session_json(s->principal));
  res.headers.emplace_back("Set-Cookie", cookie(req, s->cookie_value, (s->expires_ms - ctx.clock.now_ms()) / 1000));
  return res;
}

ApiResponse sign_out(ApiContext& ctx, const ApiRequest& req) {
  if (!req.principal.session_id_hash.empty()) {
    auto done = ctx.accounts->sign_out(req.principal.session_id_hash);
    if (!done.ok()) return plain_error(done.error());
  }
  ApiResponse res = plain(200, json{{"user", req.principal.name}, {"signed_out", true}});
  res.headers.emplace_back("Set-Cookie", cookie(req, "", 0));
  return res;
}

ApiResponse create_user(ApiContext& ctx, const ApiRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return json_error(body.error());
  std::string kind = str(*body, "kind");
  auto u = ctx.accounts->create_user(str(*body, "name"), kind.empty() ? "user" : kind, str(*body, "role"),
                                     str(*body, "password"));
  if (!u.ok()) return api_error(u.error());
  return json_ok(user_json(*u));
}

ApiResponse update_user(ApiContext& ctx, const ApiRequest& req) {
  auto body = body_object(req);
  if (!body.ok()) return json_error(body.error());
  std::optional<bool> disabled;
  if (body->contains("disabled")) {
    if (!(*body)["disabled"].is_boolean()) return json_error(400, "disabled must be true or false");
    disabled = (*body)["disabled"].get<bool>();
  }
  auto u = ctx.accounts->update_user(req.params.at("name"), str(*body, "role"), str(*body, "password"), disabled);
  if (!u.ok()) return json_error(u.error());
  return json_ok(user_json(*u));
}

ApiResponse list_users(ApiContext& ctx) {
  auto users = ctx.accounts->list_users();
  if (!users.ok()) return json_error(users.error());
  json list = json::array();
  for (const auto& u : *users) list.push_back(user_json(u));
  return json_ok(list);
}

Result<int64_t> user_id_of(ApiContext& ctx, const std::string& name) {
  auto users = ctx.accounts->list_users();
  if (!users.ok()) return users.error();
  for (const auto& u : *users)
    if (u.name == name) return u.id;
  return make_error(ErrorCode::not_found, "no user '" + name + "'");
}

ApiResponse list_tokens(ApiContext& ctx, int64_t user_id) {
  auto tokens = ctx.accounts->list_tokens(user_id);
  if (!tokens.ok()) return json_error(tokens.error());
  json list = json::array();
  for (const auto& t : *tokens) list.push_back(token_json(t, ctx.clock.now_ms()));
  return json_ok(list);
}

// A token never holds more than the caller creating it: a scoped token
// cannot mint a broader one.
ApiResponse create_token(ApiContext& ctx, const ApiRequest& req, const std::string& owner) {
  auto body = body_object(req);
  if (!body.ok()) return json_error(body.error());
  std::string scopes;
  if (body->contains("scopes")) {
    const json& s = (*body)["scopes"];
    if (s.is_string()) {
      scopes = s.get<std::string>();
    } else if (s.is_array()) {
      for (const auto& x : s)
        if (x.is_string()) scopes += (scopes.empty() ? "" : ",") + x.get<std::string>();
    } else {
      return json_error(400, "scopes must be a list of permission names");
    }
  }
  auto wanted = auth::PermissionSet::parse_list(scopes);
  if (!wanted.ok()) return json_error(wanted.error());
  if (req.principal.token_id != 0 && (scopes.empty() || (*wanted & req.principal.permissions) != *wanted))
    return json_error(403, "a token may only create tokens with scopes it holds itself; name them in \"scopes\"");
  int64_t ttl_days = 90;
  if (body->contains("ttl_days")) {
    if (!(*body)["ttl_days"].is_number_integer()) return json_error(400, "ttl_days must be an integer (0: never expires)");
    ttl_days = (*body)["ttl_days"].get<int64_t>();
  }
  int64_t ttl_ms = ttl_days * 24 * 3600'000;
  // Seconds for short-lived tokens (a CI job, a test).
  if (body->contains("ttl_seconds")) {
    if (!(*body)["ttl_seconds"].is_number_integer() || (*body)["ttl_seconds"].get<int64_t>() <= 0)
      return json_error(400, "ttl_seconds must be a positive integer");
    ttl_ms = (*body)["ttl_seconds"].get<int64_t>() * 1000;
  }
  auto t = ctx.accounts->create_token(owner, str(*body, "name"), scopes, ttl_ms);
  if (!t.ok()) return json_error(t.error());
  json j = token_json(t->row, ctx.clock.now_ms());
  j["token"] = t->token;
  return json_ok(j);
}

Result<int64_t> token_id(const ApiRequest& req) {
  const std::string& s = req.params.at("id");
  int64_t id = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || end != s.data() + s.size() || id <= 0)
    return make_error(ErrorCode::invalid_input, "a token id is a positive integer");
  return id;
}

ApiResponse revoke_token(ApiContext& ctx, const ApiRequest& req, int64_t owner_id) {
  auto id = token_id(req);
  if (!id.ok()) return json_error(id.error());
  auto t = ctx.accounts->find_token(*id);
  if (!t.ok()) return json_error(t.error());
  if (!*t || (*t)->user_id != owner_id) return json_error(404, "no token " + std::to_string(*id));
  auto r = ctx.accounts->revoke_token(*id);
  if (!r.ok()) return api_error(r.error());
  return json_ok(token_json(*r, ctx.clock.now_ms()));
}

ApiResponse own(const ApiRequest& req) {
  return json_error(400, "only a stored user has tokens; " + req.principal.name +
                             " signed in with credentials from the server's configuration");
}

}  // namespace

void add_account_routes(Router& r, ApiContext& ctx) {
  if (!ctx.accounts) return;
  const auto need = auth::Access::need;
  const auto signed_in = auth::Access::signed_in();
  r.add("POST", "/api/v1/session", auth::Access::open(), [&ctx](const ApiRequest& req) { return sign_in(ctx, req); });
  r.add("GET", "/api/v1/session", signed_in,
        [](const ApiRequest& req) { return plain(200, session_json(req.principal)); });
  r.add("DELETE", "/api/v1/session", signed_in, [&ctx](const ApiRequest& req) { return sign_out(ctx, req); });

  r.add("GET", "/api/v1/users", need(Permission::user_manage), [&ctx](const ApiRequest&) { return list_users(ctx); });
  r.add("POST", "/api/v1/users", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return create_user(ctx, req); });
  r.add("PUT", "/api/v1/users/:name", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return update_user(ctx, req); });

  r.add("GET", "/api/v1/tokens", signed_in, [&ctx](const ApiRequest& req) {
    return req.principal.user_id ? list_tokens(ctx, req.principal.user_id) : own(req);
  });
  r.add("POST", "/api/v1/tokens", signed_in, [&ctx](const ApiRequest& req) {
    return req.principal.user_id ? create_token(ctx, req, req.principal.name) : own(req);
  });
  r.add("DELETE", "/api/v1/tokens/:id", signed_in, [&ctx](const ApiRequest& req) {
    return req.principal.user_id ? revoke_token(ctx, req, req.principal.user_id) : own(req);
  });
  r.add("GET", "/api/v1/users/:name/tokens", need(Permission::user_manage), [&ctx](const ApiRequest& req) {
    auto id = user_id_of(ctx, req.params.at("name"));
    return id.ok() ? list_tokens(ctx, *id) : json_error(id.error());
  });
  r.add("POST", "/api/v1/users/:name/tokens", need(Permission::user_manage),
        [&ctx](const ApiRequest& req) { return create_token(ctx, req, req.params.at("name")); });
  r.add("DELETE", "/api/v1/users/:name/tokens/:id", need(Permission::user_manage), [&ctx](const ApiRequest& req) {
    auto id = user_id_of(ctx, req.params.at("name"));
    return id.ok() ? revoke_token(ctx, req, *id) : json_error(id.error());
  });
}

}  // namespace mend
