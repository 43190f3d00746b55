// HttpClient and ServerApi against a tiny real HTTP server on 127.0.0.1.
#include "cli/http_client.hpp"

#include <gtest/gtest.h>

#include "cli/basic_auth.hpp"
#include "cli/server_api.hpp"
#include "testing/fake_http_server.hpp"

namespace mend::cli {
namespace {

using testing::CannedResponse;
using testing::FakeHttpServer;
using testing::SeenRequest;

HttpClient client_for(const std::string& url, HttpClientOptions options = {}) {
  auto parsed = parse_server_url(url);
  EXPECT_TRUE(parsed.ok());
  return HttpClient(*parsed, std::move(options));
}

TEST(HttpClient, SendsBasicAuthAndJsonBody) {
  FakeHttpServer server([](const SeenRequest&) { return testing::ok_json("7"); });
  HttpClientOptions options;
  options.authorization = *basic_auth_header("ibex:secret");
  auto client = client_for(server.url(), options);
  auto response = client.send(Method::post, "/ibex/v1/tasks", R"({"title":"t"})");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"dat":7,"err":""})");
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/ibex/v1/tasks");
  EXPECT_EQ(seen[0].authorization, "Basic aWJleDpzZWNyZXQ=");
  EXPECT_EQ(seen[0].content_type, "application/json");
  EXPECT_EQ(seen[0].body, R"({"title":"t"})");
}

TEST(HttpClient, NoAuthorizationWithoutUser) {
  FakeHttpServer server([](const SeenRequest&) { return testing::ok_json("null"); });
  ASSERT_TRUE(client_for(server.url()).send(Method::get, "/ping").ok());
  EXPECT_EQ(server.requests().at(0).authorization, "");
}

TEST(HttpClient, BasePathIsPrepended) {
  FakeHttpServer server([](const SeenRequest&) { return testing::ok_json("null"); });
  ASSERT_TRUE(client_for(server.url() + "/mend/").send(Method::get, "/ibex/v1/task/1").ok());
  EXPECT_EQ(server.requests().at(0).target, "/mend/ibex/v1/task/1");
}

TEST(HttpClient, ConnectionRefusedSaysWhichServer) {
  unsigned short port = 0;
  {
    // Take a free port and release it so nothing listens there.
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto response = client_for(url).send(Method::get, "/ibex/v1/tasks");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::unavailable);
  EXPECT_EQ(response.error().message, "cannot reach server at " + url + ": Connection refused");
}

TEST(HttpClient, TimesOutWhenTheServerDoesNotAnswer) {
  FakeHttpServer server([](const SeenRequest&) { return CannedResponse{.hang = true}; });
  HttpClientOptions options;
  options.timeout = std::chrono::milliseconds(100);
  auto response = client_for(server.url(), options).send(Method::get, "/ibex/v1/task/1");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::unavailable);
  EXPECT_NE(response.error().message.find("no answer within 100 ms"), std::string::npos)
      << response.error().message;
}

TEST(HttpClient, RefusesAnOversizedResponse) {
  // Both sizes: one arrives in a single read, the other in several.
  for (size_t size : {5000, 500000}) {
    FakeHttpServer server([&](const SeenRequest&) {
      return CannedResponse{200, std::string(size, 'x')};
    });
    HttpClientOptions options;
    options.body_limit = 1000;
    auto response = client_for(server.url(), options).send(Method::get, "/big");
    ASSERT_FALSE(response.ok()) << size;
    EXPECT_EQ(response.error().code, ErrorCode::too_large);
  }
  FakeHttpServer server([&](const SeenRequest&) {
    return CannedResponse{200, std::string(1000, 'x')};
  });
  HttpClientOptions options;
  options.body_limit = 1000;
  EXPECT_TRUE(client_for(server.url(), options).send(Method::get, "/fits").ok());
}

TEST(ServerApi, ErrorEnvelopeCarriesTheServersMessage) {
  FakeHttpServer server([](const SeenRequest& req) {
    if (req.target == "/ibex/v1/task/9") return testing::err_json(404, "no such task");
    return testing::err_json(200, "task already finished, no more action can do");
  });
  auto client = client_for(server.url());
  ServerApi api(client);
  auto task = api.task(9);
  ASSERT_FALSE(task.ok());
  EXPECT_EQ(task.error().code, ErrorCode::not_found);
  EXPECT_EQ(task.error().message, "no such task");
  auto action = api.task_action(9, "kill");
  ASSERT_FALSE(action.ok());
  EXPECT_EQ(action.error().message, "task already finished, no more action can do");
  auto seen = server.requests();
  EXPECT_EQ(seen.at(1).method, "PUT");
  EXPECT_EQ(seen.at(1).target, "/ibex/v1/task/9/action");
  EXPECT_EQ(nlohmann::json::parse(seen.at(1).body), (nlohmann::json{{"action", "kill"}}));
}

TEST(ServerApi, UnauthorizedHintsAtCredentials) {
  FakeHttpServer server([](const SeenRequest&) {
    return CannedResponse{401, "Unauthorized", "text/plain"};
  });
  auto client = client_for(server.url());
  auto agents = ServerApi(client).agents();
  ASSERT_FALSE(agents.ok());
  EXPECT_EQ(agents.error().code, ErrorCode::unauthorized);
  EXPECT_NE(agents.error().message.find("MEND_BASIC_AUTH"), std::string::npos);
  // run.sh and the README give a token file: the hint names it first.
  EXPECT_NE(agents.error().message.find("--token-file or MEND_API_TOKEN_FILE"), std::string::npos);
}

TEST(ServerApi, EncodesHostAndQueryInTheTarget) {
  FakeHttpServer server([](const SeenRequest& req) {
    if (req.target.starts_with("/ibex/v1/tasks"))
      return testing::ok_json(R"({"total":0,"list":[]})");
    return testing::ok_json(R"({"host":"a b","status":"success","stdout":"","stderr":""})");
  });
  auto client = client_for(server.url());
  ServerApi api(client);
  ASSERT_TRUE(api.host_output(3, "a b").ok());
  ASSERT_TRUE(api.list_tasks("disk full", 5).ok());
  auto seen = server.requests();
  EXPECT_EQ(seen.at(0).target, "/ibex/v1/task/3/host/a%20b/output");
  EXPECT_EQ(seen.at(1).target, "/ibex/v1/tasks?limit=5&query=disk%20full");
}

}  // namespace
}  // namespace mend::cli
