#include "support/http_client.hpp"

#include <poll.h>

#include <chrono>

#include "common/asio.hpp"
#include "common/encoding.hpp"

namespace mend::it {

namespace {
const nlohmann::json kNull;
constexpr auto kRequestTimeout = std::chrono::seconds(30);

// Writes the body without ever blocking on a server that stopped reading:
// stops as soon as the server has something to say (its answer), or it
// closed, or the request timeout passed.
void write_body(tcp::socket& sock, const std::string& body) {
  beast::error_code ec;
  sock.non_blocking(true, ec);
  auto deadline = std::chrono::steady_clock::now() + kRequestTimeout;
  size_t off = 0;
  while (off < body.size() && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{sock.native_handle(), POLLIN | POLLOUT, 0};
    if (::poll(&pfd, 1, 100) < 0) break;
    if (pfd.revents & (POLLIN | POLLERR | POLLHUP)) break;
    if (!(pfd.revents & POLLOUT)) continue;
    size_t n = sock.write_some(asio::buffer(body.data() + off, std::min<size_t>(64 * 1024, body.size() - off)), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
    if (ec) break;
    off += n;
  }
  sock.non_blocking(false, ec);
}
}  // namespace

std::string HttpResponse::err() const {
  if (is_json() && json.is_object() && json.contains("err") && json["err"].is_string()) return json["err"].get<std::string>();
  return {};
}

const nlohmann::json& HttpResponse::dat() const {
  if (is_json() && json.is_object() && json.contains("dat")) return json["dat"];
  return kNull;
}

std::ostream& operator<<(std::ostream& os, const HttpResponse& r) {
  os << "HTTP " << r.status;
  if (!r.error.empty()) os << " (transport error: " << r.error << ")";
  std::string b = r.body.size() > 2000 ? r.body.substr(0, 2000) + "...(" + std::to_string(r.body.size()) + " bytes)" : r.body;
  return os << " body: " << b;
}

HttpClient::HttpClient(std::string host, uint16_t port, std::string user_pass)
    : host_(std::move(host)), port_(port), user_pass_(std::move(user_pass)) {}

HttpResponse HttpClient::get(const std::string& target) const { return request("GET", target, {}); }
HttpResponse HttpClient::post(const std::string& target, const std::string& body) const { return request("POST", target, body); }
HttpResponse HttpClient::put(const std::string& target, const std::string& body) const { return request("PUT", target, body); }

HttpResponse HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                                 const std::map<std::string, std::string>& headers) const {
  HttpResponse out;
  out.json = nlohmann::json(nlohmann::json::value_t::discarded);
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(kRequestTimeout);
    beast::error_code ec;
    stream.connect(tcp::endpoint(asio::ip::make_address(host_), port_), ec);
    if (ec) {
      out.error = "connect: " + ec.message();
      return out;
    }

    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host_ + ":" + std::to_string(port_));
    req.set(http::field::user_agent, "mend-integration-tests");
    if (!body.empty() || method == "POST" || method == "PUT") req.set(http::field::content_type, "application/json");
    if (!user_pass_.empty()) req.set(http::field::authorization, "Basic " + base64_encode(user_pass_));
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();

    // Write the header, then the body in chunks, stopping early if the server
    // already answered (e.g. 413 for an oversize body): its answer is then
    // waiting in our receive buffer even if it closes the connection.
    http::request_serializer<http::string_body> sr{req};
    http::write_header(stream, sr, ec);
    if (!ec && !body.empty()) write_body(stream.socket(), body);
    ec = {};  // a failed write may still have an answer behind it

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser, ec);
    if (ec) {
      out.error = "read: " + ec.message();
      return out;
    }
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    out.content_type = std::string(res[http::field::content_type]);
    out.json = nlohmann::json::parse(out.body, nullptr, false);
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace mend::it
