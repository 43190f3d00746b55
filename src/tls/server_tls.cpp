#include "tls/server_tls.hpp"

namespace mend::tls {

Result<std::shared_ptr<ServerTls>> ServerTls::from_files(std::string cert_path, std::string key_path,
                                                         std::string client_ca_pem) {
  std::shared_ptr<ServerTls> t(new ServerTls());
  t->cert_path_ = std::move(cert_path);
  t->key_path_ = std::move(key_path);
  t->client_ca_pem_ = std::move(client_ca_pem);
  t->description_ = "certificate " + t->cert_path_;
  MEND_TRY(t->reload());
  return t;
}

Result<std::shared_ptr<ServerTls>> ServerTls::from_material(ServerTlsMaterial material) {
  std::shared_ptr<ServerTls> t(new ServerTls());
  MEND_ASSIGN_OR_RETURN(t->context_, make_server_context(material));
  t->description_ = "a certificate from Mend's CA, made at start";
  return t;
}

Result<void> ServerTls::reload() {
  if (cert_path_.empty()) return ok();
  MEND_ASSIGN_OR_RETURN(std::string cert, read_pem_file(cert_path_));
  MEND_ASSIGN_OR_RETURN(std::string key, read_pem_file(key_path_));
  auto ctx = make_server_context(ServerTlsMaterial{cert, key, client_ca_pem_});
  if (!ctx.ok())
    return make_error(ctx.error().code, cert_path_ + " / " + key_path_ + ": " + ctx.error().message);
  std::lock_guard lock(mutex_);
  context_ = std::move(*ctx);
  return ok();
}

}  // namespace mend::tls
