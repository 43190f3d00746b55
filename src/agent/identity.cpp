#include "agent/identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "agent/file_io.hpp"
#include "agent/https_request.hpp"
#include "agent/server_url.hpp"
#include "common/log.hpp"
#include "tls/join_token.hpp"
#include "tls/tls_context.hpp"

namespace mend::agent {

namespace {

// Written beside, synced and renamed: a crash leaves the old file or the new one.
Result<void> write_file_atomically(const std::string& path, const std::string& content, mode_t mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return make_error(ErrorCode::unavailable, "cannot write " + tmp + ": " + std::strerror(errno));
  ::fchmod(fd, mode);  // whatever the umask
  if (auto w = write_all(fd, content, tmp); !w) {
    ::close(fd);
    return w;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return make_error(ErrorCode::unavailable, "cannot sync " + tmp + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(ErrorCode::unavailable, "cannot rename " + tmp + ": " + std::strerror(errno));
  return ok();
}

std::string read_or_empty(const std::string& path) {
  auto r = tls::read_pem_file(path);
  return r.ok() ? *r : std::string();
}

}  // namespace

AgentIdentity::AgentIdentity(std::string dir, std::string extra_ca_pem)
    : dir_(std::move(dir)), extra_ca_pem_(std::move(extra_ca_pem)) {}

bool AgentIdentity::enrolled() const {
  return std::filesystem::exists(path("cert.pem")) && std::filesystem::exists(path("key.pem"));
}

Result<tls::CertificateInfo> AgentIdentity::certificate() const {
  MEND_ASSIGN_OR_RETURN(std::string pem, tls::read_pem_file(path("cert.pem")));
  return tls::read_certificate(pem);
}

bool AgentIdentity::due_for_renewal(int64_t now_ms) const {
  auto c = certificate();
  if (!c.ok()) return false;
  return now_ms >= c->not_before_ms + (c->not_after_ms - c->not_before_ms) * 2 / 3;
}

std::string AgentIdentity::trusted_cas() const { return read_or_empty(path("ca.pem")) + extra_ca_pem_; }

Result<std::shared_ptr<ssl::context>> AgentIdentity::client_context() const {
  tls::ClientTlsMaterial m;
  m.ca_pem = trusted_cas();
  if (enrolled()) {
    MEND_ASSIGN_OR_RETURN(m.cert_pem, tls::read_pem_file(path("cert.pem")));
    MEND_ASSIGN_OR_RETURN(m.key_pem, tls::read_pem_file(path("key.pem")));
  }
  return tls::make_client_context(m);
}

Result<tls::CertificateInfo> AgentIdentity::enroll(const std::vector<std::string>& servers,
                                                   const std::string& join_token, const std::string& host) {
  MEND_ASSIGN_OR_RETURN(tls::JoinTokenParts parts, tls::parse_join_token(join_token));
  std::error_code fs_ec;
  std::filesystem::create_directories(dir_, fs_ec);
  ::chmod(dir_.c_str(), 0700);
  // Mend's CA, from a connection not yet verified: it counts only if its
  // fingerprint is the one the token carries.
  std::string ca_pem;
  std::string last_error = "no https:// server given";
  for (const auto& s : servers) {
    auto url = parse_server_url(s);
    if (!url.ok() || !url->tls) continue;
    MEND_ASSIGN_OR_RETURN(auto ctx, tls::make_client_context(tls::ClientTlsMaterial{}));
    ctx->set_verify_mode(ssl::verify_none);
    auto answer = https_request(*url, *ctx, false, "GET", "/api/v1/agent/ca", "");
    if (!answer.ok() || answer->status != 200) {
      last_error = answer.ok() ? s + ": HTTP " + std::to_string(answer->status) : answer.error().message;
      continue;
    }
    auto info = tls::read_certificate(answer->body);
    if (!info.ok()) return make_error(ErrorCode::invalid_input, s + " sent no CA certificate");
    if (info->fingerprint != parts.ca_fingerprint)
      return make_error(ErrorCode::invalid_input, s + "'s CA (fingerprint " + info->fingerprint.substr(0, 16) +
                                                      "...) is not the one the join token names (" +
                                                      parts.ca_fingerprint.substr(0, 16) + "...): refusing it");
    ca_pem = answer->body;
    break;
  }
  if (ca_pem.empty()) return make_error(ErrorCode::unavailable, "cannot fetch Mend's CA: " + last_error);
  MEND_TRY(write_file_atomically(path("ca.pem"), ca_pem, 0644));
  return request_certificate(servers, "/api/v1/agent/enroll", join_token, host, false);
}

Result<tls::CertificateInfo> AgentIdentity::renew(const std::vector<std::string>& servers) {
  MEND_ASSIGN_OR_RETURN(tls::CertificateInfo current, certificate());
  return request_certificate(servers, "/api/v1/agent/renew", "", current.common_name, true);
}

Result<tls::CertificateInfo> AgentIdentity::request_certificate(const std::vector<std::string>& servers,
                                                                const std::string& api_path,
                                                                const std::string& token, const std::string& host,
                                                                bool with_current_certificate) {
  // A new key each time: renewal rotates it. It stays on this host.
  MEND_ASSIGN_OR_RETURN(std::string key, tls::generate_private_key_pem());
  MEND_ASSIGN_OR_RETURN(std::string csr, tls::make_certificate_request(key, host));
  nlohmann::json body{{"host", host}, {"csr", csr}};
  if (!token.empty()) body["token"] = token;
  MEND_ASSIGN_OR_RETURN(auto ctx, with_current_certificate ? client_context()
                                                           : tls::make_client_context(
                                                                 tls::ClientTlsMaterial{trusted_cas(), {}, {}}));
  std::string last_error = "no https:// server given";
  for (const auto& s : servers) {
    auto url = parse_server_url(s);
    if (!url.ok() || !url->tls) continue;
    auto answer = https_request(*url, *ctx, true, "POST", api_path, body.dump());
    if (!answer.ok()) {
      last_error = answer.error().message;
      continue;
    }
    auto reply = nlohmann::json::parse(answer->body, nullptr, false);
    if (answer->status != 200) {
      std::string why = reply.is_object() && reply.contains("err") && reply["err"].is_string()
                            ? reply.value("err", std::string())
                            : "HTTP " + std::to_string(answer->status);
      // The server looked at the request and said no: another server would too.
      return make_error(answer->status == 401 ? ErrorCode::unauthorized : ErrorCode::invalid_input,
                        s + " refused: " + why);
    }
    const nlohmann::json* dat = reply.is_object() && reply.contains("dat") ? &reply["dat"] : &reply;
    if (!dat->is_object() || !(*dat)["certificate"].is_string())
      return make_error(ErrorCode::internal, s + " answered without a certificate");
    std::string cert = dat->value("certificate", std::string());
    MEND_ASSIGN_OR_RETURN(tls::CertificateInfo info, tls::read_certificate(cert));
    // Key first: a certificate without its key is useless, a key without the
    // new certificate is only an unused file (the old pair stays consistent
    // until both renames happen; a crash between them is healed by enrolling).
    MEND_TRY(write_file_atomically(path("key.pem.new"), key, 0600));
    MEND_TRY(write_file_atomically(path("cert.pem.new"), cert, 0644));
    if (::rename(path("key.pem.new").c_str(), path("key.pem").c_str()) != 0 ||
        ::rename(path("cert.pem.new").c_str(), path("cert.pem").c_str()) != 0)
      return make_error(ErrorCode::unavailable, "cannot install the new certificate in " + dir_);
    return info;
  }
  return make_error(ErrorCode::unavailable, "no server answered: " + last_error);
}

}  // namespace mend::agent
