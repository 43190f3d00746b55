// Users, roles, sessions, tokens and the audit log on a real mend-server
// started with --auth on: sign-in with cookie and CSRF, per-role refusals,
// scoped/expired/revoked tokens, throttled sign-in, one audit record per
// change, and a tampered record found by verify (API and mendctl).
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "common/asio.hpp"
#include "support/ibex_api.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

constexpr const char* kAdminPassword = "admin-password-1";

// POST /api/v1/session; the answer and its Set-Cookie header (which the
// shared test client does not keep).
struct SignIn {
  int status = 0;
  json body;
  std::string set_cookie;
};

SignIn post_session(const std::string& host, uint16_t port, const std::string& user, const std::string& password) {
  SignIn out;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  beast::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address(host), port), ec);
  if (ec) return out;
  http::request<http::string_body> req{http::verb::post, "/api/v1/session", 11};
  req.set(http::field::host, host);
  req.set(http::field::content_type, "application/json");
  req.body() = json{{"user", user}, {"password", password}}.dump();
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res, ec);
  if (ec) return out;
  out.status = static_cast<int>(res.result_int());
  out.body = json::parse(res.body(), nullptr, false);
  out.set_cookie = std::string(res[http::field::set_cookie]);
  return out;
}

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(dir_.file("admin-password"), std::string(kAdminPassword) + "\n");
    ServerOptions options;
    options.extra_args = {"--auth", "on", "--admin-password-file", dir_.file("admin-password").string()};
    server_ = std::make_unique<ServerProcess>(dir_, options);
    server_->start();
    admin_ = server_->anonymous_client().with_auth(std::string("admin:") + kAdminPassword);
  }
  void TearDown() override {
    if (HasFailure()) server_->print_logs(std::cerr);
  }

  void add_user(const std::string& name, const std::string& role, const std::string& password) {
    HttpResponse r = admin_.post_json("/api/v1/users", {{"name", name}, {"role", role}, {"password", password}});
    ASSERT_EQ(r.status, 200) << r;
  }

  int64_t audit_count() {
    HttpResponse r = admin_.get("/api/v1/audit?limit=1000");
    EXPECT_EQ(r.status, 200) << r;
    return static_cast<int64_t>(r.dat()["list"].size());
  }

  json newest_audit() {
    HttpResponse r = admin_.get("/api/v1/audit?limit=1");
    EXPECT_EQ(r.status, 200) << r;
    return r.dat()["list"].empty() ? json() : r.dat()["list"][0];
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  HttpClient admin_;
};

TEST_F(UsersTest, SessionCookieCsrfAndSignOut) {
  HttpClient anon = server_->anonymous_client();
  EXPECT_EQ(anon.get("/api/v1/agents").status, 401);
  EXPECT_EQ(anon.get("/ping").status, 200);

  HttpResponse wrong = anon.post_json("/api/v1/session", {{"user", "admin"}, {"password", "nope-nope-nope"}});
  EXPECT_EQ(wrong.status, 401) << wrong;
  EXPECT_EQ(wrong.json.value("error", ""), "unauthorized: the user or password is not accepted") << wrong;
  HttpResponse unknown = anon.post_json("/api/v1/session", {{"user", "ghost"}, {"password", "nope-nope-nope"}});
  EXPECT_EQ(unknown.status, 401) << unknown;
  EXPECT_EQ(unknown.json.value("error", ""), wrong.json.value("error", "x"));

  SignIn in = post_session(server_->host(), server_->port(), "admin", kAdminPassword);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_NE(in.set_cookie.find("mend_session="), std::string::npos) << in.set_cookie;
  EXPECT_NE(in.set_cookie.find("HttpOnly"), std::string::npos) << in.set_cookie;
  EXPECT_NE(in.set_cookie.find("SameSite=Strict"), std::string::npos) << in.set_cookie;
  EXPECT_EQ(in.body.value("user", ""), "admin");
  EXPECT_EQ(in.body.value("role", ""), "admin");
  EXPECT_EQ(in.body["permissions"].size(), 13u);
  const std::string cookie = in.set_cookie.substr(0, in.set_cookie.find(';'));
  const std::string csrf = in.body.value("csrf_token", "");
  ASSERT_FALSE(csrf.empty());

  HttpResponse me = anon.request("GET", "/api/v1/session", "", {{"Cookie", cookie}});
  ASSERT_EQ(me.status, 200) << me;
  EXPECT_EQ(me.json.value("csrf_token", ""), csrf);

  // A change with the cookie but without its CSRF token is refused, and changes nothing.
  const std::string body = json{{"name", "bob"}, {"role", "operator"}, {"password", "bob-password-1"}}.dump();
  HttpResponse no_csrf = anon.request("POST", "/api/v1/users", body, {{"Cookie", cookie}});
  EXPECT_EQ(no_csrf.status, 403) << no_csrf;
  EXPECT_NE(no_csrf.json.value("error", "").find("X-CSRF-Token"), std::string::npos) << no_csrf;
  HttpResponse bad_csrf = anon.request("POST", "/api/v1/users", body, {{"Cookie", cookie}, {"X-CSRF-Token", "x"}});
  EXPECT_EQ(bad_csrf.status, 403) << bad_csrf;
  EXPECT_EQ(admin_.get("/api/v1/users").dat().size(), 1u);
  HttpResponse made = anon.request("POST", "/api/v1/users", body, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(made.status, 200) << made;
  EXPECT_EQ(admin_.get("/api/v1/users").dat().size(), 2u);

  HttpResponse out = anon.request("DELETE", "/api/v1/session", "", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  EXPECT_EQ(out.status, 200) << out;
  HttpResponse gone = anon.request("GET", "/api/v1/session", "", {{"Cookie", cookie}});
  EXPECT_EQ(gone.status, 401) << gone;
  EXPECT_FALSE(gone.json.value("error", "").empty()) << gone;
}

TEST_F(UsersTest, RolesAllowOrRefuseWithThePermissionNamed) {
  add_user("bob", "operator", "bob-password-1");
  add_user("carol", "viewer", "carol-password-1");
  HttpClient bob = server_->anonymous_client().with_auth("bob:bob-password-1");
  HttpClient carol = server_->anonymous_client().with_auth("carol:carol-password-1");
  const json form = task_form({"host-a"}, sh_script("true\n"));

  HttpResponse refused = carol.post_json("/ibex/v1/tasks", form);
  EXPECT_EQ(refused.status, 403) << refused;
  EXPECT_EQ(refused.json.value("permission", ""), "ibex.call") << refused;
  EXPECT_EQ(carol.get("/ibex/v1/tasks").dat().value("total", -1), 0);  // nothing was created
  HttpResponse created = bob.post_json("/ibex/v1/tasks", form);
  EXPECT_EQ(created.status, 200) << created;
  EXPECT_EQ(carol.get("/ibex/v1/tasks").dat().value("total", -1), 1);

  EXPECT_EQ(bob.get("/api/v1/users").status, 403);
  EXPECT_EQ(bob.get("/api/v1/audit").status, 403);
  EXPECT_EQ(carol.get("/api/v1/agents").status, 200);
  HttpResponse action = carol.put_json("/ibex/v1/task/1/action", {{"action", "cancel"}});
  EXPECT_EQ(action.status, 403) << action;
  EXPECT_EQ(action.json.value("permission", ""), "task.action");

  // A disabled user is refused at once.
  EXPECT_EQ(admin_.put_json("/api/v1/users/bob", {{"disabled", true}}).status, 200);
  EXPECT_EQ(bob.get("/ibex/v1/tasks").status, 401);
}

TEST_F(UsersTest, TokensAreScopedExpireAndCanBeRevoked) {
  ASSERT_EQ(admin_.post_json("/api/v1/users", {{"name", "alertmanager"}, {"kind", "service"}, {"role", "operator"}}).status,
            200);
  HttpResponse t = admin_.post_json("/api/v1/users/alertmanager/tokens", {{"name", "am"}, {"scopes", {"alert.post"}}});
  ASSERT_EQ(t.status, 200) << t;
  const std::string token = t.dat().value("token", "");
  ASSERT_EQ(token.rfind("mend_", 0), 0u) << token;
  auto bearer = [&](const std::string& tok, const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return server_->anonymous_client().request(method, path, body, {{"Authorization", "Bearer " + tok}});
  };
  HttpResponse alert = bearer(token, "POST", "/api/v1/alerts", R"({"labels":{"alertname":"X","instance":"h1"}})");
  EXPECT_EQ(alert.status, 200) << alert;
  HttpResponse beyond = bearer(token, "GET", "/ibex/v1/tasks");
  EXPECT_EQ(beyond.status, 403) << beyond;
  EXPECT_EQ(beyond.json.value("permission", ""), "task.read");
  EXPECT_EQ(bearer(token, "POST", "/ibex/v1/tasks", task_form({"h1"}, sh_script("true\n")).dump()).status, 403);
  // Scopes beyond the owner's role are refused.
  HttpResponse too_wide =
      admin_.post_json("/api/v1/users/alertmanager/tokens", {{"name", "x"}, {"scopes", {"user.manage"}}});
  EXPECT_EQ(too_wide.status, 400) << too_wide;

  HttpResponse listed = admin_.get("/api/v1/users/alertmanager/tokens");
  ASSERT_EQ(listed.status, 200) << listed;
  ASSERT_EQ(listed.dat().size(), 1u);
  EXPECT_GT(listed.dat()[0].value("last_used_ms", 0), 0) << listed;
  EXPECT_EQ(listed.dat()[0].value("prefix", ""), token.substr(0, 12));
  EXPECT_EQ(listed.body.find(token), std::string::npos);  // never shown again

  const int64_t id = t.dat().value("id", 0);
  EXPECT_EQ(admin_.request("DELETE", "/api/v1/users/alertmanager/tokens/" + std::to_string(id), "").status, 200);
  HttpResponse revoked = bearer(token, "POST", "/api/v1/alerts", R"({"labels":{"alertname":"X"}})");
  EXPECT_EQ(revoked.status, 401) << revoked;
  EXPECT_NE(revoked.err().find("was revoked"), std::string::npos) << revoked;

  HttpResponse short_lived =
      admin_.post_json("/api/v1/users/alertmanager/tokens", {{"name", "brief"}, {"ttl_seconds", 1}});
  ASSERT_EQ(short_lived.status, 200) << short_lived;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  HttpResponse expired = bearer(short_lived.dat().value("token", ""), "POST", "/api/v1/alerts", "{}");
  EXPECT_EQ(expired.status, 401) << expired;
  EXPECT_NE(expired.err().find("has expired"), std::string::npos) << expired;
}

TEST_F(UsersTest, FailedSignInsSlowDown) {
  HttpClient anon = server_->anonymous_client();
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(anon.post_json("/api/v1/session", {{"user", "admin"}, {"password", "wrong-password"}}).status, 401);
  HttpResponse right = anon.post_json("/api/v1/session", {{"user", "admin"}, {"password", kAdminPassword}});
  EXPECT_EQ(right.status, 401) << right;
  EXPECT_NE(right.json.value("error", "").find("too many failed sign-ins"), std::string::npos) << right;
}

TEST_F(UsersTest, EveryChangeWritesExactlyOneAuditRecord) {
  add_user("carol", "viewer", "carol-password-1");
  HttpClient carol = server_->anonymous_client().with_auth("carol:carol-password-1");
  struct Change {
    const char* method;
    std::string path;
    std::string body;
    std::string action;
    std::string outcome;
  };
  const std::vector<Change> changes = {
      {"POST", "/ibex/v1/tasks", task_form({"host-a"}, sh_script("true\n")).dump(), "task.create", "ok"},
      {"PUT", "/ibex/v1/task/1/action", R"({"action":"pause"})", "task.action", "ok"},
      {"PUT", "/ibex/v1/task/1/host/host-a/action", R"({"action":"ignore"})", "host.action", "ok"},
      {"POST", "/api/v1/templates", R"({"name":"fix","title":"Fix","script":"echo fix","account":"root"})", "template.save", "ok"},
      {"DELETE", "/api/v1/templates/fix", "", "template.delete", "ok"},
      {"DELETE", "/api/v1/templates/fix", "", "template.delete", "failed"},
      {"POST", "/api/v1/users", R"({"name":"dave","role":"viewer","password":"dave-password-1"})", "user.create", "ok"},
      {"PUT", "/api/v1/users/dave", R"({"role":"operator"})", "user.update", "ok"},
      {"POST", "/api/v1/tokens", R"({"name":"mine"})", "token.create", "ok"},
  };
  for (const auto& c : changes) {
    const int64_t before = audit_count();
    HttpResponse r = admin_.request(c.method, c.path, c.body);
    EXPECT_NE(r.status, 0) << r;
    EXPECT_EQ(audit_count(), before + 1) << c.method << " " << c.path << ": " << r;
    json rec = newest_audit();
    EXPECT_EQ(rec.value("action", ""), c.action) << rec;
    EXPECT_EQ(rec.value("outcome", ""), c.outcome) << rec << " for " << r;
    EXPECT_EQ(rec.value("actor", ""), "admin") << rec;
    EXPECT_EQ(rec.value("auth_method", ""), "basic") << rec;
  }
  // The user's password never reaches the log.
  EXPECT_EQ(admin_.get("/api/v1/audit?limit=1000").body.find("dave-password-1"), std::string::npos);

  // A refusal is recorded as such.
  const int64_t before = audit_count();
  EXPECT_EQ(carol.post_json("/api/v1/templates", {{"name", "x"}, {"script", "true"}}).status, 403);
  EXPECT_EQ(audit_count(), before + 1);
  json refused = newest_audit();
  EXPECT_EQ(refused.value("outcome", ""), "refused") << refused;
  EXPECT_EQ(refused.value("actor", ""), "carol") << refused;
  // So is a failed sign-in, under the name it tried.
  EXPECT_EQ(server_->anonymous_client().post_json("/api/v1/session", {{"user", "carol"}, {"password", "nope-nope-1"}}).status,
            401);
  json failed_sign_in = newest_audit();
  EXPECT_EQ(failed_sign_in.value("action", ""), "session.create") << failed_sign_in;
  EXPECT_EQ(failed_sign_in.value("actor", ""), "carol") << failed_sign_in;
  EXPECT_EQ(failed_sign_in.value("outcome", ""), "refused") << failed_sign_in;
  // Reads write nothing.
  const int64_t after = audit_count();
  EXPECT_EQ(admin_.get("/ibex/v1/tasks").status, 200);
  EXPECT_EQ(audit_count(), after);
}

TEST_F(UsersTest, VerifyFindsAnEditedOrDeletedRecord) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(admin_.post_json("/ibex/v1/tasks", task_form({"host-a"}, sh_script("true\n"))).status, 200);
  HttpResponse intact = admin_.get("/api/v1/audit/verify");
  ASSERT_EQ(intact.status, 200) << intact;
  EXPECT_TRUE(intact.dat().value("intact", false)) << intact;
  const std::vector<std::string> mendctl = {MENDCTL_BIN, "--server", server_->url(), "--user",
                                            std::string("admin:") + kAdminPassword};
  auto ctl = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = mendctl;
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path(), "mendctl");
  };
  RunResult ok = ctl({"audit", "verify"});
  EXPECT_EQ(ok.status.code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("audit log intact"), std::string::npos) << ok.out;
  RunResult exported = ctl({"audit", "export"});
  EXPECT_EQ(exported.status.code, 0) << exported.err;
  EXPECT_EQ(std::count(exported.out.begin(), exported.out.end(), '\n'), 3) << exported.out;

  // Someone with the database file rewrites who did it.
  RunResult edit = run_command({"/usr/bin/sqlite3", server_->db_path().string(), "UPDATE audit_log SET actor = 'nobody' WHERE seq = 2"},
                               dir_.path(), "sqlite3");
  ASSERT_EQ(edit.status.code, 0) << edit.err;
  HttpResponse broken = admin_.get("/api/v1/audit/verify");
  EXPECT_FALSE(broken.dat().value("intact", true)) << broken;
  RunResult bad = ctl({"audit", "verify"});
  EXPECT_EQ(bad.status.code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.out.find("record 2"), std::string::npos) << bad.out;

  // Or deletes it.
  ASSERT_EQ(run_command({"/usr/bin/sqlite3", server_->db_path().string(),
                         "UPDATE audit_log SET actor = 'admin' WHERE seq = 2; DELETE FROM audit_log WHERE seq = 2"},
                        dir_.path(), "sqlite3")
                .status.code,
            0);
  RunResult deleted = ctl({"audit", "verify"});
  EXPECT_EQ(deleted.status.code, 1) << deleted.out;
  EXPECT_NE(deleted.out.find("missing"), std::string::npos) << deleted.out;
}

TEST_F(UsersTest, MendctlManagesUsersAndTokens) {
  const std::vector<std::string> base = {MENDCTL_BIN, "--server", server_->url(), "--user",
                                         std::string("admin:") + kAdminPassword};
  auto ctl = [&](std::vector<std::string> args, const std::string& stdin_text = {}) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path(), "mendctl", stdin_text);
  };
  RunResult add = ctl({"users", "add", "erin", "--role", "operator"}, "erin-password-1\n");
  EXPECT_EQ(add.status.code, 0) << add.err;
  RunResult list = ctl({"users", "list"});
  EXPECT_NE(list.out.find("erin"), std::string::npos) << list.out;
  RunResult svc = ctl({"users", "add", "grafana", "--service", "--role", "viewer"});
  EXPECT_EQ(svc.status.code, 0) << svc.err;
  RunResult tok = ctl({"tokens", "--for", "grafana", "create", "dashboards", "--scopes", "task.read"});
  ASSERT_EQ(tok.status.code, 0) << tok.err;
  std::string token = tok.out.substr(0, tok.out.find('\n'));
  RunResult as_token = run_command({MENDCTL_BIN, "--server", server_->url(), "--token", token, "task", "list"},
                                   dir_.path(), "mendctl");
  EXPECT_EQ(as_token.status.code, 0) << as_token.err;
  RunResult tokens = ctl({"tokens", "--for", "grafana", "list"});
  EXPECT_NE(tokens.out.find("dashboards"), std::string::npos) << tokens.out;
  EXPECT_NE(tokens.out.find("task.read"), std::string::npos) << tokens.out;
  RunResult audit = ctl({"audit", "--action", "user."});
  EXPECT_NE(audit.out.find("user.create"), std::string::npos) << audit.out;
}

}  // namespace
}  // namespace mend::it
