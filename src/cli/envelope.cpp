#include "cli/envelope.hpp"

#include "common/strings.hpp"

namespace mend::cli {

namespace {

// What a 401 means to a mendctl user: which of its credential settings to look at.
constexpr const char* kUnauthorizedHint =
    " (give the server's API token with --token-file or MEND_API_TOKEN_FILE, or a user with "
    "--user-file or MEND_BASIC_AUTH_FILE)";

ErrorCode code_for_status(int status) {
  switch (status) {
    case 400:
      return ErrorCode::invalid_input;
    case 401:
    case 403:
      return ErrorCode::unauthorized;
    case 404:
      return ErrorCode::not_found;
    case 413:
      return ErrorCode::too_large;
    default:
      break;
  }
  if (status >= 500) return ErrorCode::unavailable;
  // Ibex answers refusals ("task already finished") with 200 and an err.
  return ErrorCode::conflict;
}

std::string status_text(const HttpResponse& r) {
  std::string text = "HTTP " + std::to_string(r.status);
  if (r.status == 401) text += kUnauthorizedHint;
  std::string body = trim(r.body);
  if (!body.empty()) {
    if (body.size() > 200) body = body.substr(0, utf8_prefix_len(body, 200)) + "...";
    text += ": " + body;
  }
  return text;
}

}  // namespace

Result<nlohmann::json> parse_envelope(const HttpResponse& response) {
  const bool ok_status = response.status >= 200 && response.status < 300;
  auto doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(ok_status ? ErrorCode::internal : code_for_status(response.status),
                      "unexpected answer from server: " + status_text(response));
  }
  auto err = doc.find("err");
  if (err != doc.end() && err->is_string() && !err->get_ref<const std::string&>().empty()) {
    std::string message = err->get<std::string>();
    if (response.status == 401) message += kUnauthorizedHint;
    return make_error(code_for_status(response.status), message);
  }
  if (!ok_status) return make_error(code_for_status(response.status), status_text(response));
  auto dat = doc.find("dat");
  if (dat == doc.end()) return nlohmann::json();
  return *dat;
}

}  // namespace mend::cli
