#include "testing/http_once.hpp"

#include "common/asio.hpp"

namespace mend::testing {

HttpReply http_once(const std::string& host_port, const std::string& method, const std::string& target,
                    const std::string& json_body) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  auto colon = host_port.rfind(':');
  beast::tcp_stream stream(ioc);
  stream.connect(resolver.resolve(host_port.substr(0, colon), host_port.substr(colon + 1)));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host_port);
  if (!json_body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = json_body;
  }
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return {static_cast<int>(res.result_int()), res.body()};
}

}  // namespace mend::testing
